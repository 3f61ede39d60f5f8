/* citykg map view: year, kinds, language, tooltips, details, zoom over the server-drawn SVG. */
(function () {
  'use strict';
  const K = window.CityKG;
  const D = JSON.parse(document.getElementById('citykg-data').textContent);
  let lang = D.lang;
  let ui = D.ui[lang];
  const state = {
    yearOn: D.years.initial !== null && D.years.initial !== undefined,
    year: D.years.initial !== null && D.years.initial !== undefined ? D.years.initial : D.years.max,
    kinds: new Set(D.kinds.map(k => k.key)),
  };
  const kindMeta = new Map(D.kinds.map(k => [k.key, k]));
  const linesOf = new Map(D.cities.map(c => [c.id, []]));
  for (const line of D.lines) if (line.city !== null && linesOf.has(line.city)) linesOf.get(line.city).push(line);
  let visibleLines = new Set(), visibleCities = new Set();

  function active(line, year) {
    if (!state.kinds.has(line.k)) return false;
    if (year === null) return true;
    return line.y0 !== null && line.y0 <= year && (line.y1 === null || year <= line.y1);
  }
  function dash(line, year) {
    if (year === null) return line.st === 'ended' ? '2 5' : line.st === 'dormant' ? '9 6' : '';
    return line.df && year >= line.df ? '9 6' : '';
  }
  function refresh() {
    const year = state.yearOn ? state.year : null;
    visibleLines = new Set(D.lines.filter(line => active(line, year)).map(line => line.id));
    visibleCities = new Set(D.cities.filter(c => c.focus || linesOf.get(c.id).some(line => visibleLines.has(line.id))).map(c => c.id));
    for (const svg of document.querySelectorAll('[data-svg] svg')) {
      for (const path of svg.querySelectorAll('[data-line]')) {
        const line = D.lines[Number(path.getAttribute('data-line'))];
        path.classList.toggle('off', !visibleLines.has(line.id));
        const d = dash(line, year);
        if (d) path.setAttribute('stroke-dasharray', d); else path.removeAttribute('stroke-dasharray');
        path.setAttribute('opacity', line.st === 'ended' && year === null ? '0.55' : '0.9');
      }
      for (const mark of svg.querySelectorAll('[data-city],[data-label],[data-leader]')) {
        const id = Number(['data-city', 'data-label', 'data-leader'].map(name => mark.getAttribute(name)).find(v => v !== null));
        mark.classList.toggle('off', !visibleCities.has(id));
        if (mark.hasAttribute('data-city') && mark.tagName.toLowerCase() === 'circle') {
          let best = null;
          for (const line of linesOf.get(id)) {
            if (!visibleLines.has(line.id)) continue;
            const meta = kindMeta.get(line.k);
            const key = [year === null && line.st === 'ended' ? 1 : 0, meta.rank];
            if (!best || key[0] < best.key[0] || (key[0] === best.key[0] && key[1] < best.key[1])) best = { key: key, color: meta.color };
          }
          mark.setAttribute('fill', best ? best.color : '#9E9E9E');
        }
      }
    }
    const partners = visibleCities.size - (D.cities.some(c => c.focus) ? 1 : 0);
    document.getElementById('counts').textContent = partners + ' ' + ui.partners + ' · ' + visibleLines.size + ' ' + ui.relations;
    for (const span of document.querySelectorAll('#kind-filter [data-count]')) {
      const key = span.getAttribute('data-count');
      span.textContent = new Set(D.lines.filter(l => l.k === key && visibleLines.has(l.id)).map(l => l.city)).size;
    }
  }

  /* tooltip and details */
  const tip = document.getElementById('tip');
  const details = document.getElementById('details');
  const canvas = document.querySelector('main.canvas');
  function period(line) {
    const parts = [K.period(line.s, line.e, ui, false)];
    if (line.st && D.status[line.st]) parts.push(D.status[line.st][lang]);
    if (line.df) parts.push(ui.dormant_from + ' ' + line.df);
    return parts.join(' · ');
  }
  function lineTitle(line) { return K.pick(kindMeta.get(line.k).l, lang, line.k); }
  function showCity(id) {
    const city = D.cities[id];
    K.clear(details);
    details.appendChild(K.el('button', { type: 'button', class: 'close', text: '×', 'aria-label': ui.close, onclick: () => { details.hidden = true; } }));
    details.appendChild(K.el('h2', { text: K.pick(city.l, lang, city.iri) }));
    const dl = K.el('dl');
    if (city.co) { dl.appendChild(K.el('dt', { text: ui.country })); dl.appendChild(K.el('dd', { text: K.pick(city.co, lang) })); }
    details.appendChild(dl);
    const href = K.resourceLink(D.link, city.iri, D.base);
    if (href) details.appendChild(K.el('p', null, K.el('a', { href: href, target: '_top', text: ui.open_page })));
    details.appendChild(K.el('p', { class: 'iri', text: city.iri }));
    const lines = city.focus ? D.lines.filter(l => visibleLines.has(l.id)) : linesOf.get(id);
    details.appendChild(K.el('h3', { text: ui.relations_of + ' (' + lines.length + ')' }));
    const list = K.el('ul');
    for (const line of lines) {
      const other = line.city !== null ? D.cities[line.city] : null;
      const item = K.el('li', null, K.el('strong', { text: lineTitle(line) }), other && city.focus ? ' — ' + K.pick(other.l, lang) : '');
      item.appendChild(K.el('div', { class: 'muted', text: period(line) }));
      item.appendChild(K.citations(D, line.ci, lang));
      list.appendChild(item);
    }
    details.appendChild(list);
    details.hidden = false;
  }
  function tipFor(target) {
    if (target.hasAttribute('data-line')) {
      const line = D.lines[Number(target.getAttribute('data-line'))];
      return [lineTitle(line) + (line.city !== null ? ': ' + K.pick(D.cities[line.city].l, lang) : ''), period(line)];
    }
    const city = D.cities[Number(target.getAttribute('data-city'))];
    const kinds = linesOf.get(city.id).filter(l => visibleLines.has(l.id)).map(lineTitle);
    return [K.pick(city.l, lang, city.iri), [K.pick(city.co, lang)].concat(kinds).filter(Boolean).join(' · ')];
  }
  const maps = document.getElementById('maps');
  maps.addEventListener('mousemove', event => {
    const target = event.target.closest('[data-line],[data-city]');
    if (!target) { tip.hidden = true; return; }
    const [head, body] = tipFor(target);
    K.clear(tip);
    tip.appendChild(K.el('b', { text: head }));
    tip.appendChild(K.el('span', { class: 'muted', text: body }));
    const box = canvas.getBoundingClientRect();
    K.placeTip(tip, canvas, event.clientX - box.left, event.clientY - box.top);
  });
  maps.addEventListener('mouseleave', () => { tip.hidden = true; });
  maps.addEventListener('click', event => {
    if (moved) return;
    const target = event.target.closest('[data-line],[data-city],[data-label]');
    if (!target) { details.hidden = true; return; }
    if (target.hasAttribute('data-line')) {
      const line = D.lines[Number(target.getAttribute('data-line'))];
      if (line.city !== null) showCity(line.city);
    } else {
      showCity(Number(target.getAttribute('data-city') !== null ? target.getAttribute('data-city') : target.getAttribute('data-label')));
    }
  });

  /* zoom and pan: the map layer of every SVG is transformed together */
  let zoom = { k: 1, x: 0, y: 0 }, drag = null, moved = false;
  function applyZoom() {
    for (const g of document.querySelectorAll("[data-svg] svg g.viewport")) {
      g.setAttribute('transform', 'translate(' + zoom.x + ' ' + zoom.y + ') scale(' + zoom.k + ')');
    }
  }
  function svgPoint(svg, event) {
    const box = svg.getBoundingClientRect();
    const vb = svg.viewBox.baseVal;
    const scale = Math.min(box.width / vb.width, box.height / vb.height);
    const offsetX = (box.width - vb.width * scale) / 2, offsetY = (box.height - vb.height * scale) / 2;
    const origin = (svg.getAttribute('data-origin') || '0 0').split(' ').map(Number);
    return { x: (event.clientX - box.left - offsetX) / scale - origin[0], y: (event.clientY - box.top - offsetY) / scale - origin[1], scale: scale };
  }
  maps.addEventListener('wheel', event => {
    const svg = event.target.closest('svg');
    if (!svg) return;
    event.preventDefault();
    const p = svgPoint(svg, event);
    const factor = event.deltaY < 0 ? 1.25 : 0.8;
    const k = Math.min(12, Math.max(1, zoom.k * factor));
    zoom.x = p.x - (p.x - zoom.x) * (k / zoom.k);
    zoom.y = p.y - (p.y - zoom.y) * (k / zoom.k);
    zoom.k = k;
    if (k === 1) { zoom.x = 0; zoom.y = 0; }
    applyZoom();
  }, { passive: false });
  maps.addEventListener('mousedown', event => {
    const svg = event.target.closest('svg');
    if (!svg) return;
    drag = { x: event.clientX, y: event.clientY, zx: zoom.x, zy: zoom.y, scale: svgPoint(svg, event).scale, svg: svg };
    moved = false;
  });
  window.addEventListener('mousemove', event => {
    if (!drag) return;
    const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { moved = true; drag.svg.classList.add('dragging'); }
    zoom.x = drag.zx + dx / drag.scale;
    zoom.y = drag.zy + dy / drag.scale;
    applyZoom();
  });
  window.addEventListener('mouseup', () => { if (drag) drag.svg.classList.remove('dragging'); drag = null; setTimeout(() => { moved = false; }, 0); });
  document.getElementById('fit').addEventListener('click', () => { zoom = { k: 1, x: 0, y: 0 }; applyZoom(); });

  /* controls */
  const yearBox = document.getElementById('year-on'), yearRange = document.getElementById('year'), yearOut = document.getElementById('year-out');
  yearRange.min = D.years.min;
  yearRange.max = D.years.max;
  function syncYear() {
    yearBox.checked = state.yearOn;
    yearRange.value = state.year;
    yearRange.disabled = !state.yearOn;
    yearOut.textContent = state.yearOn ? String(state.year) : ui.all_years;
  }
  yearBox.addEventListener('change', () => { state.yearOn = yearBox.checked; syncYear(); refresh(); });
  const onYear = () => { state.year = parseInt(yearRange.value, 10); state.yearOn = true; syncYear(); refresh(); };
  yearRange.addEventListener('input', onYear);
  yearRange.addEventListener('change', onYear);
  function kindFilter() {
    const target = document.getElementById('kind-filter');
    K.clear(target);
    for (const kind of D.kinds) {
      const box = K.el('input', { type: 'checkbox', 'data-key': kind.key });
      box.checked = state.kinds.has(kind.key);
      box.addEventListener('change', () => { box.checked ? state.kinds.add(kind.key) : state.kinds.delete(kind.key); refresh(); });
      target.appendChild(K.el('label', null, box, K.el('span', { class: 'swatch', style: 'border-top-color:' + kind.color }),
        K.el('span', { text: K.pick(kind.l, lang, kind.key) }), K.el('span', { class: 'n', 'data-count': kind.key, text: '0' })));
    }
  }
  function setLang(next) {
    if (!D.ui[next]) return;
    lang = next;
    ui = D.ui[lang];
    document.documentElement.lang = lang;
    K.translate(document, ui);
    document.title = K.pick(D.title, lang);
    document.getElementById('title').textContent = document.title;
    for (const box of document.querySelectorAll('[data-svg]')) box.hidden = box.getAttribute('data-svg') !== lang;
    for (const button of document.querySelectorAll('[data-lang]')) button.setAttribute('aria-pressed', String(button.getAttribute('data-lang') === lang));
    kindFilter();
    syncYear();
    refresh();
    details.hidden = true;
  }
  for (const button of document.querySelectorAll('[data-lang]')) button.addEventListener('click', () => setLang(button.getAttribute('data-lang')));

  window.citykgMap = {
    data: D,
    setYear: year => { state.yearOn = year !== null && year !== undefined; if (state.yearOn) state.year = year; syncYear(); refresh(); return window.citykgMap.counts(); },
    setLang: setLang,
    counts: () => ({ partners: visibleCities.size - (D.cities.some(c => c.focus) ? 1 : 0), lines: visibleLines.size }),
    visibleCities: () => Array.from(visibleCities).map(id => D.cities[id].iri).sort(),
    showCity: iri => { const c = D.cities.find(x => x.iri === iri); if (c) showCity(c.id); return !!c; },
    ready: true,
  };
  setLang(lang);
})();
