/* citykg views: helpers shared by the network, map and timeline pages.
   Data is text: everything reaches the page through textContent or attributes, never innerHTML. */
(function () {
  'use strict';

  function pick(texts, lang, fallback) {
    if (!texts) return fallback || '';
    if (typeof texts === 'string') return texts;
    if (texts[lang]) return texts[lang];
    if (texts['']) return texts[''];
    for (const key of ['de', 'en']) if (texts[key]) return texts[key];
    for (const key of Object.keys(texts)) if (texts[key]) return texts[key];
    return fallback || '';
  }

  function el(tag, attrs) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false) continue;
        if (key === 'text') node.textContent = String(value);
        else if (key === 'class') node.className = value;
        else if (key === 'style') node.setAttribute('style', value);
        else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? '' : String(value));
      }
    }
    for (let i = 2; i < arguments.length; i++) {
      const child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function safeUrl(url) {
    if (typeof url !== 'string') return null;
    return /^https?:\/\/[^\s]+$/i.test(url) ? url : null;
  }

  /* data-i18n="key" sets textContent; data-i18n-placeholder / data-i18n-title set those attributes */
  function translate(root, ui) {
    for (const node of root.querySelectorAll('[data-i18n]')) {
      const text = ui[node.getAttribute('data-i18n')];
      if (text !== undefined) node.textContent = text;
    }
    for (const node of root.querySelectorAll('[data-i18n-placeholder]')) {
      const text = ui[node.getAttribute('data-i18n-placeholder')];
      if (text !== undefined) node.setAttribute('placeholder', text);
    }
    for (const node of root.querySelectorAll('[data-i18n-title]')) {
      const text = ui[node.getAttribute('data-i18n-title')];
      if (text !== undefined) node.setAttribute('title', text);
    }
  }

  function period(start, end, ui, point) {
    if (start && end && start !== end) return start + ' – ' + end;
    if (start && point) return String(start);
    if (start) return ui.since + ' ' + start;
    if (end) return ui.until + ' ' + end;
    return ui.undated;
  }

  /* A list of citations: source title (link), the quote, a note, the confidence. */
  function citations(data, indexes, lang) {
    const ui = data.ui[lang];
    if (!indexes || !indexes.length) return el('p', { class: 'muted', text: ui.no_sources });
    const list = el('ul', { class: 'sources' });
    for (const index of indexes) {
      const cite = data.cites[index];
      const source = data.sources[cite.s];
      const title = pick(source.t, lang, source.url || source.iri);
      const url = safeUrl(source.url);
      const item = el('li');
      item.appendChild(url ? el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: title }) : el('span', { text: title }));
      if (cite.q) item.appendChild(el('div', { class: 'quote', lang: cite.ql || null, text: (lang === 'de' ? '„' : '“') + cite.q + (lang === 'de' ? '“' : '”') }));
      if (cite.n) item.appendChild(el('div', { class: 'muted', text: cite.n }));
      if (cite.cf) {
        const label = data.confidence[cite.cf] ? data.confidence[cite.cf][lang] : cite.cf;
        item.appendChild(el('div', { class: 'conf', text: ui.confidence + ': ' + label }));
      }
      list.appendChild(item);
    }
    return list;
  }

  function resourceLink(template, iri, base) {
    if (!template) return null;
    const path = base && iri.indexOf(base) === 0 ? iri.slice(base.length) : iri;
    const href = template.split('{iri}').join(encodeURIComponent(iri)).split('{path}').join(encodeURI(path));
    return /^(https?:\/\/|\/)/i.test(href) || !/^[a-z][a-z0-9+.-]*:/i.test(href) ? href : null;
  }

  function placeTip(tip, container, x, y) {
    const box = container.getBoundingClientRect();
    tip.hidden = false;
    const width = tip.offsetWidth, height = tip.offsetHeight;
    let left = x + 14, top = y + 14;
    if (left + width > box.width) left = Math.max(0, x - width - 14);
    if (top + height > box.height) top = Math.max(0, y - height - 14);
    tip.style.left = left + 'px';
    tip.style.top = top + 'px';
  }

  window.CityKG = { pick, el, clear, safeUrl, translate, period, citations, resourceLink, placeTip };
})();
