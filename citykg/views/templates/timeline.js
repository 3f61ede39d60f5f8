/* citykg timeline: language, tooltips and details (with sources) over the server-drawn SVG. */
(function () {
  'use strict';
  const K = window.CityKG;
  const D = JSON.parse(document.getElementById('citykg-data').textContent);
  let lang = D.lang;
  let ui = D.ui[lang];
  const tip = document.getElementById('tip');
  const details = document.getElementById('details');
  const canvas = document.querySelector('main.canvas');
  const scroll = document.getElementById('scroll');

  function itemOf(target) {
    const node = target.closest('[data-item]');
    return node ? D.items[Number(node.getAttribute('data-item'))] : null;
  }
  scroll.addEventListener('mousemove', event => {
    const item = itemOf(event.target);
    if (!item) { tip.hidden = true; return; }
    K.clear(tip);
    tip.appendChild(K.el('b', { text: K.pick(item.l, lang) }));
    if (item.row && K.pick(item.row, lang) !== K.pick(item.l, lang)) tip.appendChild(K.el('div', { text: K.pick(item.row, lang) }));
    tip.appendChild(K.el('span', { class: 'muted', text: K.pick(item.p, lang) }));
    const box = canvas.getBoundingClientRect();
    K.placeTip(tip, canvas, event.clientX - box.left, event.clientY - box.top);
  });
  scroll.addEventListener('mouseleave', () => { tip.hidden = true; });
  function show(item) {
    K.clear(details);
    details.appendChild(K.el('button', { type: 'button', class: 'close', text: '×', 'aria-label': ui.close, onclick: () => { details.hidden = true; } }));
    details.appendChild(K.el('h2', { text: K.pick(item.l, lang) }));
    if (item.row) details.appendChild(K.el('p', { text: K.pick(item.row, lang) }));
    details.appendChild(K.el('p', { class: 'muted', text: K.pick(item.p, lang) }));
    if (item.rel) details.appendChild(K.el('p', { class: 'iri', text: item.rel }));
    details.appendChild(K.el('h3', { text: ui.sources }));
    details.appendChild(K.citations(D, item.ci, lang));
    details.hidden = false;
  }
  scroll.addEventListener('click', event => {
    const item = itemOf(event.target);
    if (item) show(item); else details.hidden = true;
  });
  function setLang(next) {
    if (!D.ui[next]) return;
    lang = next;
    ui = D.ui[lang];
    document.documentElement.lang = lang;
    document.title = K.pick(D.title, lang);
    document.getElementById('title').textContent = document.title;
    for (const box of document.querySelectorAll('[data-svg]')) box.hidden = box.getAttribute('data-svg') !== lang;
    for (const button of document.querySelectorAll('[data-lang]')) button.setAttribute('aria-pressed', String(button.getAttribute('data-lang') === lang));
    document.getElementById('counts').textContent = (D.counts.partnerships || 0) + ' ' + ui.partners + ' · ' + D.since + '–' + D.until;
    details.hidden = true;
  }
  for (const button of document.querySelectorAll('[data-lang]')) button.addEventListener('click', () => setLang(button.getAttribute('data-lang')));
  window.citykgTimeline = {
    data: D,
    setLang: setLang,
    rowLabels: () => Array.from(document.querySelectorAll('[data-svg]:not([hidden]) .row-label')).map(t => t.lastChild.textContent),
    show: id => show(D.items[id]),
    ready: true,
  };
  setLang(lang);
})();
