/* citykg network view. The year filter below mirrors citykg/views/projection.py (visible): keep them in step. */
(function () {
  'use strict';
  const K = window.CityKG;
  const D = JSON.parse(document.getElementById('citykg-data').textContent);
  let lang = D.lang;
  let ui = D.ui[lang];

  const state = {
    yearOn: D.years.initial !== null && D.years.initial !== undefined,
    year: D.years.initial !== null && D.years.initial !== undefined ? D.years.initial : D.years.max,
    undated: !!D.showUndated,
    classes: new Set(D.classes.map(c => c.key)),
    groups: new Set(D.groups.map(g => g.key)),
    cluster: D.cluster || '',
    edgeLabels: !!D.edgeLabels,
    unfolded: new Set(),  /* core resources whose folded resources are drawn (citykg/views/fold.py) */
    unfoldAll: false,
    isolated: false,
  };
  const F = D.fold || { hideIsolated: false, anchors: [] };
  const anchorsOf = new Map(F.anchors.map(pair => [pair[0], pair[1]]));
  const foldedInto = new Map();
  for (const [id, anchors] of F.anchors) for (const a of anchors) {
    if (!foldedInto.has(a)) foldedInto.set(a, []);
    foldedInto.get(a).push(id);
  }

  const nodeById = new Map(D.nodes.map(n => [n.id, n]));
  const edgeById = new Map(D.edges.map(e => [e.id, e]));
  const classMeta = new Map(D.classes.map(c => [c.key, c]));
  const groupMeta = new Map(D.groups.map(g => [g.key, g]));
  const incident = new Map(D.nodes.map(n => [n.id, []]));
  const degree = new Map(D.nodes.map(n => [n.id, 0]));
  for (const e of D.edges) {
    incident.get(e.from).push(e);
    if (e.to !== e.from) incident.get(e.to).push(e);
    degree.set(e.from, degree.get(e.from) + 1);
    degree.set(e.to, degree.get(e.to) + 1);
  }

  /* ---- which nodes and edges are visible (mirror of projection.visible) ---- */
  function edgeActive(e, year) {
    if (year === null) return true;
    if (!e.tm) return null;
    if (e.y0 === null || e.y0 === undefined) return state.undated && (e.y1 === null || e.y1 === undefined || year <= e.y1);
    return e.y0 <= year && (e.y1 === null || e.y1 === undefined || year <= e.y1);
  }
  function nodeActive(n, year) {
    if (!n.pt || n.y0 === null || n.y0 === undefined) return false;
    if (year === null) return true;
    return n.y0 <= year && year <= (n.y1 || n.y0);
  }
  function classAt(n, year, active) {
    if (year === null || n.c === 'focus' || n.b !== 'city') return n.c;
    let best = null;
    for (const e of incident.get(n.id)) {
      if (e.ty !== 'partnership' || !active.has(e.id)) continue;
      const rank = D.rank[e.g] !== undefined ? D.rank[e.g] : 99;
      if (best === null || rank < best.rank || (rank === best.rank && e.g < best.g)) best = { rank: rank, g: e.g };
    }
    return best ? 'partner:' + best.g : 'city';
  }
  function computeVisible() {
    const year = state.yearOn ? state.year : null;
    const active = new Set();
    const structural = new Map();
    for (const e of D.edges) {
      if (!state.groups.has(e.g)) continue;
      const on = edgeActive(e, year);
      if (on === null) {
        if (!structural.has(e.from)) structural.set(e.from, []);
        structural.get(e.from).push(e);
      } else if (on) active.add(e.id);
    }
    const cls = new Map();
    for (const n of D.nodes) cls.set(n.id, classAt(n, year, active));
    const allowed = id => id === D.focus || state.classes.has(cls.get(id));
    const edges = new Set();
    const nodes = new Set();
    for (const id of active) {
      const e = edgeById.get(id);
      if (allowed(e.from) && allowed(e.to)) {
        edges.add(id);
        nodes.add(e.from);
        nodes.add(e.to);
      }
    }
    if (D.focus !== null && D.focus !== undefined) nodes.add(D.focus);
    for (const n of D.nodes) {
      if (allowed(n.id) && (nodeActive(n, year) || (year === null && degree.get(n.id) === 0))) nodes.add(n.id);
    }
    const todo = Array.from(nodes);
    while (todo.length) {
      const source = todo.pop();
      for (const e of structural.get(source) || []) {
        if (!allowed(e.to)) continue;
        edges.add(e.id);
        if (!nodes.has(e.to)) {
          nodes.add(e.to);
          todo.push(e.to);
        }
      }
    }
    /* folding and isolated resources (mirror of citykg/views/fold.py: drawn) */
    const hidden = new Map();
    if (!state.unfoldAll) {
      for (const id of Array.from(nodes)) {
        const anchors = anchorsAt(id, nodes);
        if (anchors && !anchors.some(a => state.unfolded.has(a))) {
          nodes.delete(id);
          for (const a of anchors) hidden.set(a, (hidden.get(a) || 0) + 1);
        }
      }
      for (const id of Array.from(edges)) {
        const e = edgeById.get(id);
        if (!nodes.has(e.from) || !nodes.has(e.to)) edges.delete(id);
      }
    }
    if (F.hideIsolated && !state.isolated) {
      const linked = new Set();
      for (const id of edges) { const e = edgeById.get(id); linked.add(e.from); linked.add(e.to); }
      /* a resource holding folded ones ("Amiens (+1)" in 1959) is not isolated: a click shows them */
      for (const id of Array.from(nodes)) if (id !== D.focus && !linked.has(id) && !hidden.get(id)) nodes.delete(id);
    }
    return { year: year, nodes: nodes, edges: edges, cls: cls, hidden: hidden };
  }

  /* the anchors of a folded resource in this year: its own, or the focus when none of them is drawn then (an
     event whose relationship shows in another year stays reachable from the focus) */
  function anchorsAt(id, nodes) {
    const own = anchorsOf.get(id);
    if (own && own.length && D.focus !== null && D.focus !== undefined && nodes.has(D.focus) && !own.some(a => nodes.has(a))) return [D.focus];
    return own;
  }
  function holds(id) { return foldedInto.has(id) || (typeof current !== 'undefined' && (current.hidden.get(id) || 0) > 0); }

  /* ---- vis items ---- */
  /* what a relation is called (its label is sent once, in D.names) and its relationship node ("r": the key) */
  function relationWord(e) { return K.pick(D.names[e.l], lang); }
  function relOf(e) { return e.r ? e.k : e.rel; }
  function shade(hex, factor) {
    const n = parseInt(hex.slice(1), 16);
    const r = Math.round(((n >> 16) & 255) * factor), g = Math.round(((n >> 8) & 255) * factor), b = Math.round((n & 255) * factor);
    return '#' + ((1 << 24) + (r << 16) + (g << 8) + b).toString(16).slice(1);
  }
  /* on the canvas long names are shortened; tooltip, details and search use the whole name */
  function shortLabel(n) {
    const label = K.pick(n.l, lang, n.iri);
    const text = label.length > 32 && n.id !== D.focus ? label.slice(0, 30).trimEnd() + '…' : label;
    const folded = typeof current === 'undefined' ? 0 : (current.hidden.get(n.id) || 0);
    return folded ? text + ' (+' + folded + ')' : text;
  }
  /* the names that matter most stay readable when the whole network is in view */
  function fontSize(n, cls) {
    if (n.id === D.focus) return 30;
    if (cls.startsWith('partner:')) return 22;
    if (cls === 'network' || cls === 'unbody') return 18;
    return 14;
  }
  function nodeStyle(n, cls) {
    const meta = classMeta.get(cls) || { color: '#777777', shape: 'dot' };
    const border = shade(meta.color, 0.7);
    return {
      id: n.id,
      label: shortLabel(n),
      shape: meta.shape,
      size: n.id === D.focus ? Math.max(n.v, 30) : n.v,
      font: { size: fontSize(n, cls) },
      color: { background: meta.color, border: border, highlight: { background: meta.color, border: '#000000' }, hover: { background: meta.color, border: '#000000' } },
      x: n.x, y: n.y,
    };
  }
  function edgeLook(e, year) {
    let dashes = false, color = (groupMeta.get(e.g) || { color: '#888888' }).color, suffix = '';
    const dormant = e.df !== undefined && (year === null ? e.st === 'dormant' : year >= e.df);
    if (dormant || (year === null && e.st === 'dormant')) { dashes = [8, 6]; suffix = ' (' + ui.dormant + ')'; }
    if (e.st === 'ended' && year === null) { dashes = [2, 5]; color = shade(color, 1.0) + '99'; suffix = ' (' + ui.ended + ')'; }
    if (e.tm && (e.y0 === null || e.y0 === undefined) && year !== null) { dashes = [1, 4]; }
    return { dashes: dashes, color: color, suffix: suffix };
  }
  function edgeItem(e, year) {
    const look = edgeLook(e, year);
    const item = {
      id: e.id, from: e.from, to: e.to,
      label: state.edgeLabels ? relationWord(e) + look.suffix : '',
      /* a large view (positions precomputed) draws no arrowheads: thousands of them took most of its first
         drawing, too small to see at its scale; the details of a relation say its direction */
      arrows: e.sym || D.large ? { to: { enabled: false } } : { to: { enabled: true, scaleFactor: 0.45 } },
      dashes: look.dashes,
      color: { color: look.color, highlight: shade(look.color.slice(0, 7), 0.6), hover: shade(look.color.slice(0, 7), 0.6) },
      width: e.ty === 'partnership' ? 2.2 : 1.3,
    };
    if (e.sm) item.smooth = e.sm;
    return item;
  }

  let current;
  current = computeVisible();
  const nodes = new vis.DataSet(D.nodes.map(n => nodeStyle(n, current.cls.get(n.id) || n.c)));
  const edges = new vis.DataSet(D.edges.map(e => edgeItem(e, current.year)));
  const nodeView = new vis.DataView(nodes, { filter: item => current.nodes.has(item.id) });
  const edgeView = new vis.DataView(edges, { filter: item => current.edges.has(item.id) });
  const container = document.getElementById('network');
  const network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, D.options);
  const api = {
    network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView, data: D, state: state,
    stable: false, errors: [],
  };
  window.network = network;
  window.citykg = api;

  function markStable() {
    if (api.stable) return;
    if (D.physics) {
      /* keep where physics put the shown nodes (network.storePositions fails on a filtered DataView) */
      const positions = network.getPositions();
      nodes.update(Object.keys(positions).filter(id => nodeById.has(Number(id)))
        .map(id => ({ id: Number(id), x: positions[id].x, y: positions[id].y })));
      network.setOptions({ physics: { enabled: false } });
    }
    api.stable = true;
    document.body.setAttribute('data-stable', 'true');
  }
  if (D.physics) {
    network.once('stabilizationIterationsDone', markStable);
    network.once('stabilized', markStable);
    setTimeout(markStable, 15000);
  } else {
    network.once('afterDrawing', markStable);
  }

  /* ---- applying a change ---- */
  let lastClasses = current.cls;
  let lastHidden = current.hidden;
  function refresh() {
    const previousYear = current.year;
    const previousNodes = current.nodes;
    current = computeVisible();
    const changedNodes = [];
    for (const n of D.nodes) {
      const was = lastClasses.get(n.id), now = current.cls.get(n.id);
      if (was !== now || (lastHidden.get(n.id) || 0) !== (current.hidden.get(n.id) || 0)) changedNodes.push(nodeStyle(n, now));
    }
    lastClasses = current.cls;
    lastHidden = current.hidden;
    placeUnfolded(previousNodes);
    if (changedNodes.length) nodes.update(changedNodes.map(item => { delete item.x; delete item.y; return item; }));
    if (previousYear !== current.year || refresh.force) {
      edges.update(D.edges.map(e => edgeItem(e, current.year)));
      refresh.force = false;
    }
    nodeView.refresh();
    edgeView.refresh();
    applyCluster();
    updateCounts();
    if (api.stable) scheduleFit();
  }
  refresh.force = false;
  /* resources that appear by unfolding start on a ring around their anchor (physics is off by then) */
  function placeUnfolded(previousNodes) {
    if (!api.stable) return;
    const around = new Map();
    for (const id of current.nodes) {
      if (previousNodes.has(id) || !anchorsOf.has(id)) continue;
      const anchor = anchorsOf.get(id).find(a => current.nodes.has(a) && previousNodes.has(a));
      if (anchor === undefined) continue;
      if (!around.has(anchor)) around.set(anchor, []);
      around.get(anchor).push(id);
    }
    const moves = [];
    for (const [anchor, ids] of around) {
      const centre = network.getPositions([anchor])[anchor];
      const radius = 120 + 9 * ids.length;
      ids.forEach((id, i) => {
        const angle = 2 * Math.PI * i / ids.length;
        moves.push({ id: id, x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) });
      });
    }
    if (moves.length) nodes.update(moves);
  }
  function toggleFold(id) {
    if (!holds(id) && !state.unfolded.has(id)) return false;
    state.unfolded.has(id) ? state.unfolded.delete(id) : state.unfolded.add(id);
    refresh();
    return true;
  }
  let fitTimer = null;
  function scheduleFit() {
    clearTimeout(fitTimer);
    fitTimer = setTimeout(() => network.fit({ animation: false, maxZoomLevel: 1.5 }), 60);
  }

  function counts() {
    return { nodes: nodeView.length, edges: edgeView.length };
  }
  api.counts = counts;
  api.visibleIris = () => nodeView.get().map(item => nodeById.get(item.id).iri).sort();
  api.classOf = iri => { const n = D.nodes.find(x => x.iri === iri); return n ? current.cls.get(n.id) : undefined; };
  api.edgeOf = (fromIri, toIri) => D.edges.filter(e => nodeById.get(e.from).iri === fromIri && nodeById.get(e.to).iri === toIri)
    .map(e => Object.assign({}, edges.get(e.id), { visible: current.edges.has(e.id), group: e.g, status: e.st }));
  api.setYear = function (year) {
    state.yearOn = year !== null && year !== undefined;
    if (state.yearOn) state.year = year;
    syncYearControls();
    refresh();
    return counts();
  };
  api.setLang = setLang;
  api.setGroup = (key, on) => { on ? state.groups.add(key) : state.groups.delete(key); syncFilters(); refresh(); return counts(); };
  api.setClass = (key, on) => { on ? state.classes.add(key) : state.classes.delete(key); syncFilters(); refresh(); return counts(); };
  api.unfold = iri => { const n = D.nodes.find(x => x.iri === iri); if (n && !state.unfolded.has(n.id)) toggleFold(n.id); return counts(); };
  api.fold = iri => { const n = D.nodes.find(x => x.iri === iri); if (n && state.unfolded.has(n.id)) toggleFold(n.id); return counts(); };
  api.legend = () => {
    const read = sel => Array.from(document.querySelectorAll(sel + ' label')).filter(l => !l.hidden)
      .map(l => [l.querySelector('input').getAttribute('data-key'), Number(l.querySelector('[data-count]').textContent)]);
    return { classes: read('#class-filter'), groups: read('#group-filter') };
  };
  api.select = iri => { const n = D.nodes.find(x => x.iri === iri); if (n) focusNode(n.id); return !!n; };

  function updateCounts() {
    const c = counts();
    document.getElementById('counts').textContent =
      c.nodes + ' ' + ui.nodes + ', ' + c.edges + ' ' + ui.edges + (c.nodes !== D.nodes.length || c.edges !== D.edges.length ? ' (' + ui.of + ' ' + D.nodes.length + ' / ' + D.edges.length + ')' : '');
    const byClass = new Map(), byGroup = new Map();
    for (const id of current.nodes) byClass.set(current.cls.get(id), (byClass.get(current.cls.get(id)) || 0) + 1);
    for (const id of current.edges) { const g = edgeById.get(id).g; byGroup.set(g, (byGroup.get(g) || 0) + 1); }
    /* an entry with nothing drawn is left out of the legend (it stays while unticked, to tick it again) */
    for (const [selector, by] of [['#class-filter', byClass], ['#group-filter', byGroup]]) {
      for (const span of document.querySelectorAll(selector + ' [data-count]')) {
        const n = by.get(span.getAttribute('data-count')) || 0;
        span.textContent = n;
        span.parentElement.hidden = n === 0 && span.parentElement.querySelector('input').checked;
      }
    }
  }

  /* ---- clustering by class or country ---- */
  let clusterIds = [];
  function applyCluster() {
    const hadClusters = clusterIds.length > 0;
    for (const id of clusterIds) if (network.isCluster(id)) network.openCluster(id, undefined, false);
    clusterIds = [];
    if (!state.cluster) {
      if (hadClusters) network.body.emitter.emit('_dataChanged');
      return;
    }
    const members = new Map();
    for (const id of current.nodes) {
      if (id === D.focus) continue;
      const n = nodeById.get(id);
      const key = state.cluster === 'class' ? current.cls.get(id) : n.cc;
      if (!key) continue;
      if (!members.has(key)) members.set(key, { ids: new Set(), sample: n });
      members.get(key).ids.add(id);
    }
    let number = 0;
    for (const [key, group] of members) {
      if (group.ids.size < 2) continue;
      const meta = state.cluster === 'class' ? (classMeta.get(key) || {}) : { color: '#8da0b3', shape: 'dot' };
      const name = state.cluster === 'class' ? K.pick(meta.l, lang, key) : K.pick(group.sample.co, lang, key);
      const id = 'cluster:' + (number++);
      network.cluster({
        joinCondition: item => group.ids.has(item.id),
        clusterNodeProperties: {
          id: id, label: name + ' (' + group.ids.size + ')', shape: meta.shape || 'dot', size: 18 + 4 * Math.sqrt(group.ids.size),
          color: { background: meta.color || '#8da0b3', border: '#333333' }, borderWidth: 3, font: { size: 15 },
        },
        clusterEdgeProperties: { dashes: false },
      }, false);
      clusterIds.push(id);
    }
    network.body.emitter.emit('_dataChanged');
  }
  network.on('doubleClick', params => {
    if (params.nodes.length && network.isCluster(params.nodes[0])) network.openCluster(params.nodes[0]);
  });

  /* ---- tooltip and details panel ---- */
  const tip = document.getElementById('tip');
  const details = document.getElementById('details');
  function classLabel(cls) { const meta = classMeta.get(cls); return meta ? K.pick(meta.l, lang, cls) : cls; }
  function nodeSummary(n) {
    const parts = [classLabel(current.cls.get(n.id) || n.c)];
    if (n.pt) parts.push(K.period(n.s, n.e, ui, true));
    if (n.co) parts.push(K.pick(n.co, lang));
    return parts.join(' · ');
  }
  function edgeSummary(e) {
    const parts = [K.period(e.s, e.e, ui, !!(e.s && e.y1 === e.y0 && !e.e && e.ty !== 'partnership' && e.ty !== 'membership' && e.ty !== 'tenure' && e.ty !== 'engagement'))];
    if (e.st && D.status[e.st]) parts.push(D.status[e.st][lang]);
    if (e.df) parts.push(ui.dormant_from + ' ' + e.df);
    return parts.join(' · ');
  }
  network.on('hoverNode', params => {
    if (network.isCluster(params.node)) return;
    const n = nodeById.get(params.node);
    if (!n) return;
    K.clear(tip);
    tip.appendChild(K.el('b', { text: K.pick(n.l, lang, n.iri) }));
    tip.appendChild(K.el('span', { class: 'muted', text: nodeSummary(n) }));
    if (n.ci && n.ci.length) tip.appendChild(K.el('div', { class: 'muted', text: ui.sources + ': ' + n.ci.length }));
    K.placeTip(tip, container, params.pointer.DOM.x, params.pointer.DOM.y);
  });
  network.on('hoverEdge', params => {
    const e = edgeById.get(params.edge);
    if (!e) return;
    K.clear(tip);
    tip.appendChild(K.el('b', { text: K.pick(nodeById.get(e.from).l, lang) + ' — ' + relationWord(e) + (e.sym ? ' — ' : ' → ') + K.pick(nodeById.get(e.to).l, lang) }));
    tip.appendChild(K.el('span', { class: 'muted', text: edgeSummary(e) }));
    if (e.ci && e.ci.length) tip.appendChild(K.el('div', { class: 'muted', text: ui.sources + ': ' + e.ci.length }));
    K.placeTip(tip, container, params.pointer.DOM.x, params.pointer.DOM.y);
  });
  network.on('blurNode', () => { tip.hidden = true; });
  network.on('blurEdge', () => { tip.hidden = true; });
  network.on('dragStart', () => { tip.hidden = true; });

  let shown = null;
  function closeButton() {
    return K.el('button', { type: 'button', class: 'close', 'aria-label': ui.close, title: ui.close, text: '×', onclick: () => { details.hidden = true; shown = null; network.unselectAll(); } });
  }
  function row(dl, term, value) {
    if (value === null || value === undefined || value === '') return;
    dl.appendChild(K.el('dt', { text: term }));
    dl.appendChild(K.el('dd', null, value));
  }
  function nodeButton(id) {
    const n = nodeById.get(id);
    return K.el('button', { type: 'button', class: 'linkish', text: K.pick(n.l, lang, n.iri), onclick: () => focusNode(id) });
  }
  function showNode(id) {
    const n = nodeById.get(id);
    shown = { node: id };
    K.clear(details);
    details.appendChild(closeButton());
    details.appendChild(K.el('h2', { text: K.pick(n.l, lang, n.iri) }));
    const meta = classMeta.get(current.cls.get(id) || n.c) || {};
    details.appendChild(K.el('div', null, K.el('span', { class: 'sym', style: 'color:' + (meta.color || '#777'), text: meta.sym || '●' }), ' ' + classLabel(current.cls.get(id) || n.c)));
    const dl = K.el('dl');
    if (n.pt) row(dl, ui.dates, K.period(n.s, n.e, ui, true));
    if (n.k) row(dl, ui.kind, K.pick(n.k, lang));
    if (n.co) row(dl, ui.country, K.pick(n.co, lang));
    if (n.d) row(dl, ui.description, K.pick(n.d, lang));
    details.appendChild(dl);
    if ((holds(id) || state.unfolded.has(id)) && !state.unfoldAll) {
      const open = state.unfolded.has(id);
      const folded = current.hidden.get(id) || 0;
      const text = open ? ui.fold : ui.unfold + (folded ? ' (' + folded + ' ' + ui.folded + ')' : '');
      details.appendChild(K.el('p', null, K.el('button', { type: 'button', class: 'linkish', 'data-fold': '1', text: text, onclick: () => { toggleFold(id); showNode(id); } })));
    }
    const href = K.resourceLink(D.link, n.iri, D.base);
    if (href) details.appendChild(K.el('p', null, K.el('a', { href: href, target: '_top', text: ui.open_page })));
    details.appendChild(K.el('p', { class: 'iri', text: n.iri }));
    if (n.pt) {
      details.appendChild(K.el('h3', { text: ui.sources }));
      details.appendChild(K.citations(D, n.ci, lang));
    }
    const rels = incident.get(id).filter(e => current.edges.has(e.id));
    rels.sort((a, b) => (a.ty === 'partnership' ? 0 : 1) - (b.ty === 'partnership' ? 0 : 1) || (a.y0 || 9999) - (b.y0 || 9999) || a.id - b.id);
    details.appendChild(K.el('h3', { text: ui.relations_of + ' (' + rels.length + ')' }));
    const list = K.el('ul');
    for (const e of rels) {
      const outgoing = e.from === id;
      const other = outgoing ? e.to : e.from;
      const arrow = e.sym ? ' — ' : outgoing ? ' → ' : ' ← ';
      const item = K.el('li', null, K.el('strong', { text: relationWord(e) }), arrow, nodeButton(other));
      item.appendChild(K.el('div', { class: 'muted', text: edgeSummary(e) }));
      if (e.via !== undefined) item.appendChild(K.el('div', { class: 'muted', text: (e.ty === 'milestone' ? ui.milestone_of : ui.via) + ': ' + K.pick(D.names[e.via], lang) }));
      item.appendChild(K.citations(D, e.ci, lang));
      list.appendChild(item);
    }
    details.appendChild(list);
    details.hidden = false;
  }
  function showEdge(id) {
    const e = edgeById.get(id);
    shown = { edge: id };
    K.clear(details);
    details.appendChild(closeButton());
    details.appendChild(K.el('h2', { text: relationWord(e) }));
    details.appendChild(K.el('p', null, nodeButton(e.from), e.sym ? ' — ' : ' → ', nodeButton(e.to)));
    const dl = K.el('dl');
    row(dl, ui.dates, edgeSummary(e));
    if (e.rl) row(dl, ui.type, K.pick(e.rl, lang));
    if (e.via !== undefined) row(dl, e.ty === 'milestone' ? ui.milestone_of : ui.via, K.pick(D.names[e.via], lang));
    details.appendChild(dl);
    if (relOf(e)) details.appendChild(K.el('p', { class: 'iri', text: relOf(e) }));
    details.appendChild(K.el('h3', { text: ui.sources }));
    details.appendChild(K.citations(D, e.ci, lang));
    details.hidden = false;
  }
  network.on('click', params => {
    tip.hidden = true;
    if (params.nodes.length) {
      if (network.isCluster(params.nodes[0])) return;
      if (!state.unfoldAll && !state.unfolded.has(params.nodes[0])) toggleFold(params.nodes[0]);
      showNode(params.nodes[0]);
    } else if (params.edges.length === 1) {
      showEdge(params.edges[0]);
    } else {
      details.hidden = true;
      shown = null;
    }
  });
  function focusNode(id) {
    const message = document.getElementById('search-message');
    if (!current.nodes.has(id) && anchorsOf.has(id) && !state.unfoldAll) {
      const anchor = (anchorsAt(id, current.nodes) || []).find(a => current.nodes.has(a));
      if (anchor !== undefined) { state.unfolded.add(anchor); refresh(); }
    }
    if (!current.nodes.has(id)) { message.textContent = ui.not_visible; return false; }
    message.textContent = '';
    const path = network.findNode(id);
    for (const cluster of path.slice(0, -1)) if (network.isCluster(cluster)) network.openCluster(cluster);
    network.selectNodes([id]);
    network.focus(id, { scale: 1.2, animation: { duration: 300 } });
    showNode(id);
    return true;
  }

  /* ---- controls ---- */
  const yearBox = document.getElementById('year-on');
  const yearRange = document.getElementById('year');
  const yearOut = document.getElementById('year-out');
  yearRange.min = D.years.min;
  yearRange.max = D.years.max;
  function syncYearControls() {
    yearBox.checked = state.yearOn;
    yearRange.value = state.year;
    yearRange.disabled = !state.yearOn;
    yearOut.textContent = state.yearOn ? String(state.year) : ui.all_years;
  }
  yearBox.addEventListener('change', () => { state.yearOn = yearBox.checked; syncYearControls(); refresh(); });
  const onYear = () => { state.year = parseInt(yearRange.value, 10); state.yearOn = true; syncYearControls(); refresh(); };
  yearRange.addEventListener('input', onYear);
  yearRange.addEventListener('change', onYear);
  const undated = document.getElementById('undated');
  undated.checked = state.undated;
  undated.addEventListener('change', () => { state.undated = undated.checked; refresh.force = true; refresh(); });

  function filterList(target, items, set, withSwatch) {
    K.clear(target);
    for (const item of items) {
      const box = K.el('input', { type: 'checkbox', 'data-key': item.key });
      box.checked = set.has(item.key);
      box.addEventListener('change', () => { box.checked ? set.add(item.key) : set.delete(item.key); refresh(); });
      const symbol = withSwatch
        ? K.el('span', { class: 'swatch', style: 'border-top-color:' + item.color })
        : K.el('span', { class: 'sym', style: 'color:' + item.color, text: item.sym });
      target.appendChild(K.el('label', null, box, symbol, K.el('span', { text: K.pick(item.l, lang, item.key) }), K.el('span', { class: 'n', 'data-count': item.key, text: '0' })));
    }
  }
  function syncFilters() {
    filterList(document.getElementById('class-filter'), D.classes, state.classes, false);
    filterList(document.getElementById('group-filter'), D.groups, state.groups, true);
    const legend = document.getElementById('status-legend');
    K.clear(legend);
    legend.appendChild(K.el('label', null, K.el('span', { class: 'swatch dashed' }), K.el('span', { text: ui.dormant })));
    legend.appendChild(K.el('label', null, K.el('span', { class: 'swatch dotted' }), K.el('span', { text: ui.ended + ' / ' + ui.undated })));
    updateCounts();
  }
  for (const button of document.querySelectorAll('[data-all],[data-none]')) {
    button.addEventListener('click', () => {
      const which = button.getAttribute('data-all') || button.getAttribute('data-none');
      const set = which === 'classes' ? state.classes : state.groups;
      const all = which === 'classes' ? D.classes : D.groups;
      set.clear();
      if (button.hasAttribute('data-all')) for (const item of all) set.add(item.key);
      syncFilters();
      refresh();
    });
  }
  const clusterSelect = document.getElementById('cluster');
  clusterSelect.value = state.cluster;
  clusterSelect.addEventListener('change', () => { state.cluster = clusterSelect.value; applyCluster(); });
  const foldControls = document.getElementById('fold-controls');
  foldControls.hidden = !(anchorsOf.size || F.hideIsolated);
  const unfoldAll = document.getElementById('unfold-all');
  unfoldAll.disabled = !anchorsOf.size;
  unfoldAll.addEventListener('change', () => { state.unfoldAll = unfoldAll.checked; refresh(); });
  const isolatedBox = document.getElementById('isolated');
  isolatedBox.disabled = !F.hideIsolated;
  isolatedBox.addEventListener('change', () => { state.isolated = isolatedBox.checked; refresh(); });
  const labelBox = document.getElementById('edge-labels');
  labelBox.checked = state.edgeLabels;
  labelBox.addEventListener('change', () => { state.edgeLabels = labelBox.checked; refresh.force = true; refresh(); });
  document.getElementById('fit').addEventListener('click', () => network.fit({ animation: { duration: 300 } }));
  document.getElementById('large-hint').hidden = !D.large;
  document.getElementById('toggle-side').addEventListener('click', () => document.body.classList.toggle('show-side'));

  /* the names offered while typing a search: filled when the search field is first used (a large view has
     thousands of names, and building them would delay the first drawing) and on a change of language */
  let searchFilled = false;
  function fillSearch() {
    searchFilled = true;
    const list = document.getElementById('search-list');
    K.clear(list);
    const seen = new Set();
    for (const n of D.nodes) {
      const label = K.pick(n.l, lang, n.iri);
      if (seen.has(label)) continue;
      seen.add(label);
      list.appendChild(K.el('option', { value: label }));
    }
  }
  for (const type of ['focus', 'input']) document.getElementById('search').addEventListener(type, () => { if (!searchFilled) fillSearch(); });
  document.getElementById('search-form').addEventListener('submit', event => {
    event.preventDefault();
    const query = document.getElementById('search').value.trim().toLowerCase();
    const message = document.getElementById('search-message');
    if (!query) return;
    const label = n => K.pick(n.l, lang, n.iri).toLowerCase();
    const match = D.nodes.find(n => label(n) === query || n.iri.toLowerCase() === query)
      || D.nodes.find(n => current.nodes.has(n.id) && label(n).indexOf(query) >= 0)
      || D.nodes.find(n => label(n).indexOf(query) >= 0);
    if (!match) { message.textContent = ui.not_found; return; }
    focusNode(match.id);
  });

  /* (``relabel`` false: the nodes and edges already carry this language's labels, as when the page opens) */
  function setLang(next, relabel) {
    if (!D.ui[next]) return;
    lang = next;
    ui = D.ui[lang];
    document.documentElement.lang = lang;
    K.translate(document, ui);
    const title = K.pick(D.title, lang);
    document.title = title;
    document.getElementById('title').textContent = title;
    for (const button of document.querySelectorAll('[data-lang]')) button.setAttribute('aria-pressed', String(button.getAttribute('data-lang') === lang));
    if (relabel !== false) {
      nodes.update(D.nodes.map(n => ({ id: n.id, label: shortLabel(n) })));
      edges.update(D.edges.map(e => edgeItem(e, current.year)));
    }
    syncFilters();
    syncYearControls();
    if (searchFilled) fillSearch();
    applyCluster();
    if (shown && shown.node !== undefined) showNode(shown.node);
    else if (shown && shown.edge !== undefined) showEdge(shown.edge);
  }
  for (const button of document.querySelectorAll('[data-lang]')) button.addEventListener('click', () => setLang(button.getAttribute('data-lang')));

  /* the page opens as computed above: no relabelling and no refresh, whose updates would each redraw all of a
     large view before its first frame; a view without physics is fitted once, physics fits its own */
  setLang(lang, false);
  if (!D.physics) network.fit({ animation: false, maxZoomLevel: 1.5 });
})();
