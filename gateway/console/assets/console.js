/*
 * console.js - the pages of Khaalga's operator console, drawn from its JSON
 * API (docs/console.md). Everything shown is built with DOM nodes and
 * textContent: message content is hostile input and never becomes markup.
 * Charts are inline SVG drawn here. Pages: #/login, #/overview,
 * #/messages?…, #/message/ID, #/failed, #/partners, #/audit.
 */
'use strict';

(function () {
  const api = '/console/api';
  const svgNS = 'http://www.w3.org/2000/svg';
  let session = null;          /* {user, role, may_replay, csrf_token} */
  let refreshTimer = null;

  /* ---------------------------------------------------------- DOM helpers */

  /* el('div', {class: 'x', onclick: f}, child, 'text', …) */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (name === 'text') node.textContent = String(value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(svgNS, tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === 'text') node.textContent = String(value);
      else node.setAttribute(name, String(value));
    }
    for (const child of children) if (child) node.appendChild(child);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function show(...children) {
    const main = clear(document.getElementById('main'));
    append(main, children);
  }

  function notice(text, kind) {
    const box = document.getElementById('notice');
    box.textContent = text || '';
    box.className = kind || 'error';
    box.hidden = !text;
  }

  function time(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }

  function number(n) {
    return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
  }

  function ms(n) {
    if (n === null || n === undefined) return '—';
    return n < 1000 ? n + ' ms' : (n / 1000).toFixed(2) + ' s';
  }

  function percent(x) {
    return (100 * (x || 0)).toFixed(1) + ' %';
  }

  function badge(state) {
    return el('span', { class: 'badge state-' + String(state || 'unknown').replace(/[^a-z-]/g, '') },
      state || 'unknown');
  }

  function link(href, text) {
    return el('a', { href }, text);
  }

  function messageLink(id) {
    return link('#/message/' + encodeURIComponent(id), id);
  }

  function table(headers, rows, empty) {
    if (!rows.length) return el('p', { class: 'muted' }, empty || 'Nothing.');
    return el('table', {},
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
      el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c) => el('td', {}, c))))));
  }

  function section(title, ...children) {
    return el('section', { class: 'card' }, el('h2', {}, title), children);
  }

  /* ---------------------------------------------------------- the API */

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.text) || ('HTTP ' + status));
      this.status = status;
      this.code = body && body.error;
    }
  }

  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      if (session) headers['X-CSRF-Token'] = session.csrf_token;
    }
    const response = await fetch(api + path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.status === 401 && path !== '/login') {
      session = null;
      showIdentity();
      if (!location.hash.startsWith('#/login')) {
        sessionStorage.setItem('khaalga-after-login', location.hash);
        location.hash = '#/login';
      }
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  function failure(e) {
    return el('p', { class: 'error' }, e instanceof ApiError ? e.message : 'The console could not reach the gateway.');
  }

  function showIdentity() {
    document.getElementById('nav').hidden = !session;
    document.getElementById('who').hidden = !session;
    if (session) {
      document.getElementById('who-name').textContent = session.user;
      const role = document.getElementById('who-role');
      role.textContent = session.role;
      role.className = 'badge role-' + session.role;
    }
  }

  /* ---------------------------------------------------------- charts (SVG) */

  const palette = { messages: '#2f6fb3', rejected: '#c0392b', failed: '#8e44ad', p50: '#2f6fb3', p90: '#e08e0b',
    p99: '#c0392b' };

  function axisLabel(x, y, text, anchor) {
    return svg('text', { x, y, 'text-anchor': anchor || 'middle', class: 'axis', text });
  }

  function legend(keys) {
    return el('div', { class: 'legend' }, keys.map((k) =>
      el('span', {}, el('i', { class: 'swatch swatch-' + k }), k)));
  }

  /* The top of an axis with four steps: whole numbers for counts. */
  function niceMax(value, counts) {
    if (counts && value <= 40) return Math.max(4, Math.ceil(value / 4) * 4);
    if (value <= 0) return 1;
    const magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
    return 10 * magnitude;
  }

  /* Stacked bars of series[i][keys…], labelled by label(series[i]). */
  function barChart(title, series, keys, label) {
    const width = 560, height = 200, left = 44, bottom = 24, top = 10;
    const max = niceMax(Math.max(0, ...series.map((s) => keys.reduce((sum, k) => sum + (s[k] || 0), 0))), true);
    const plotW = width - left - 8, plotH = height - top - bottom;
    const slot = plotW / Math.max(1, series.length);
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title });
    for (let i = 0; i <= 4; i++) {
      const y = top + plotH - (plotH * i) / 4;
      chart.appendChild(svg('line', { x1: left, x2: width - 8, y1: y, y2: y, class: 'grid' }));
      chart.appendChild(axisLabel(left - 6, y + 4, number((max * i) / 4), 'end'));
    }
    series.forEach((s, i) => {
      let y = top + plotH;
      for (const k of keys) {
        const h = ((s[k] || 0) / max) * plotH;
        if (h > 0) {
          const bar = svg('rect', { x: left + i * slot + slot * 0.15, y: y - h, width: slot * 0.7, height: h,
            fill: palette[k] });
          bar.appendChild(svg('title', { text: `${label(s)}: ${k} ${s[k]}` }));
          chart.appendChild(bar);
          y -= h;
        }
      }
      if (series.length <= 12 || i % Math.ceil(series.length / 12) === 0)
        chart.appendChild(axisLabel(left + i * slot + slot / 2, height - 6, label(s)));
    });
    return el('figure', { class: 'chart-box' }, el('figcaption', {}, title), chart, legend(keys));
  }

  /* Lines of series[i][keys…] (milliseconds), gaps where a value is null. */
  function lineChart(title, series, keys, label) {
    const width = 560, height = 200, left = 52, bottom = 24, top = 10;
    const values = series.flatMap((s) => keys.map((k) => s[k])).filter((v) => v !== null && v !== undefined);
    const max = niceMax(Math.max(1, ...values));
    const plotW = width - left - 8, plotH = height - top - bottom;
    const step = plotW / Math.max(1, series.length);
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title });
    for (let i = 0; i <= 4; i++) {
      const y = top + plotH - (plotH * i) / 4;
      chart.appendChild(svg('line', { x1: left, x2: width - 8, y1: y, y2: y, class: 'grid' }));
      chart.appendChild(axisLabel(left - 6, y + 4, ms(Math.round((max * i) / 4)), 'end'));
    }
    for (const k of keys) {
      let path = '';
      series.forEach((s, i) => {
        const v = s[k];
        if (v === null || v === undefined) { path += ' '; return; }
        const x = left + i * step + step / 2, y = top + plotH - (v / max) * plotH;
        path += (path.endsWith(' ') || !path ? 'M' : 'L') + x.toFixed(1) + ',' + y.toFixed(1);
        const dot = svg('circle', { cx: x, cy: y, r: 2.5, fill: palette[k] });
        dot.appendChild(svg('title', { text: `${label(s)}: ${k} ${ms(v)}` }));
        chart.appendChild(dot);
      });
      chart.appendChild(svg('path', { d: path.replace(/ +/g, ' ').trim() || 'M0,0', stroke: palette[k], fill: 'none',
        'stroke-width': 2 }));
    }
    series.forEach((s, i) => {
      if (series.length <= 12 || i % Math.ceil(series.length / 12) === 0)
        chart.appendChild(axisLabel(left + i * step + step / 2, height - 6, label(s)));
    });
    return el('figure', { class: 'chart-box' }, el('figcaption', {}, title), chart, legend(keys));
  }

  function hhmm(s) {
    return new Date(s.start).toISOString().slice(11, 16);
  }

  /* ---------------------------------------------------------- login */

  function loginPage() {
    const user = el('input', { name: 'user', id: 'login-user', autocomplete: 'username', required: true });
    const password = el('input', { name: 'password', id: 'login-password', type: 'password',
      autocomplete: 'current-password' });
    const message = el('p', { class: 'error', id: 'login-error', role: 'alert' });
    const submit = el('button', { type: 'submit', id: 'login-submit' }, 'Log in');
    const certificate = el('button', { type: 'button', class: 'secondary', onclick: () => login({}) },
      'Log in with my client certificate');
    async function login(credentials) {
      message.textContent = '';
      submit.disabled = true;
      try {
        session = await call('POST', '/login', credentials);
        showIdentity();
        const after = sessionStorage.getItem('khaalga-after-login');
        sessionStorage.removeItem('khaalga-after-login');
        location.hash = after && !after.startsWith('#/login') ? after : '#/overview';
      } catch (e) {
        message.textContent = e instanceof ApiError ? e.message : 'The console could not reach the gateway.';
      } finally {
        submit.disabled = false;
      }
    }
    const form = el('form', { class: 'login card', onsubmit: (ev) => {
      ev.preventDefault();
      login({ user: user.value, password: password.value });
    } },
    el('h1', {}, 'Log in'),
    el('label', { for: 'login-user' }, 'User'), user,
    el('label', { for: 'login-password' }, 'Password'), password,
    submit, message,
    location.protocol === 'https:' ? certificate : null);
    show(form);
    user.focus();
  }

  /* ---------------------------------------------------------- overview */

  function kpi(label, value, detail, kind) {
    return el('div', { class: 'kpi' + (kind ? ' kpi-' + kind : '') }, el('div', { class: 'kpi-value' }, value),
      el('div', { class: 'kpi-label' }, label), detail ? el('div', { class: 'kpi-detail' }, detail) : null);
  }

  function groupTable(groups) {
    return table(['', 'messages', 'rejected', 'failed'],
      groups.map((g) => [g.name, number(g.messages), number(g.rejected), number(g.failed)]), 'No messages.');
  }

  function destinationState(state) {
    if (!state) return 'idle';
    if (state.retrying > 0) return 'retrying';
    if (state.dead > 0) return 'dead-letters';
    return 'ok';
  }

  function destinationsTable(destinations, states) {
    return table(['destination', 'type', 'target', 'state', 'waiting', 'retrying', 'dead', 'delivered (24 h)',
      'last delivered', 'last error'],
    destinations.map((d) => {
      const s = states[d.name];
      return [d.name, d.type, d.target + (d.exchange ? ' exchange ' + d.exchange : ''), badge(destinationState(s)),
        number(s ? s.pending : 0), number(s ? s.retrying : 0), number(s ? s.dead : 0),
        number(s ? s.delivered_day : 0), time(s && s.last_delivered_at),
        el('span', { class: 'detail' }, (s && s.last_error) || '')];
    }), 'No destinations are configured.');
  }

  async function overviewPage() {
    let data;
    try {
      data = await call('GET', '/overview');
    } catch (e) {
      show(failure(e));
      return;
    }
    const t = data.traffic, hour = t.hour, day = t.day;
    const brokers = data.destinations.filter((d) => d.type === 'amqp');
    const links = data.links || [];
    const down = links.filter((l) => !l.up).length;
    const brokerState = links.length ? (down ? down + ' down' : 'connected') : (brokers.length ? 'idle' : null);
    show(
      el('h1', {}, 'Overview', el('span', { class: 'muted small' }, ' at ' + time(t.now) + ', refreshed every 10 s')),
      el('div', { class: 'kpis', id: 'kpis' },
        kpi('messages, last hour', number(hour.messages), number(hour.accepted) + ' accepted'),
        kpi('messages, last 24 h', number(day.messages), number(day.accepted) + ' accepted'),
        kpi('error rate, last hour', percent(hour.error_rate), number(hour.rejected) + ' rejected, ' +
          number(hour.failed) + ' failed', hour.error_rate > 0.05 ? 'bad' : null),
        kpi('error rate, last 24 h', percent(day.error_rate), number(day.rejected) + ' rejected, ' +
          number(day.failed) + ' failed', day.error_rate > 0.05 ? 'bad' : null),
        kpi('outbox', number(t.outbox.pending), number(t.outbox.retrying) + ' retrying, ' + number(t.outbox.dead) +
          ' dead', t.outbox.dead > 0 ? 'bad' : null),
        kpi('latency p50 / p90 / p99, last hour', [hour.latency_ms.p50, hour.latency_ms.p90, hour.latency_ms.p99]
          .map(ms).join(' / '), number(hour.latency_ms.count) + ' messages'),
        kpi('brokers', brokerState === null ? 'none' : brokerState, links.length + ' connections: ' +
          brokers.length + ' AMQP destinations, ' + data.consumers.length + ' consumers', down ? 'bad' : null)),
      el('div', { class: 'charts' },
        barChart('Messages per 5 minutes, last hour', hour.series.map((s) => ({ ...s,
          messages: s.messages - s.rejected - s.failed })), ['messages', 'rejected', 'failed'], hhmm),
        barChart('Messages per hour, last 24 h', day.series.map((s) => ({ ...s,
          messages: s.messages - s.rejected - s.failed })), ['messages', 'rejected', 'failed'], hhmm),
        lineChart('Latency percentiles, last hour', hour.series, ['p50', 'p90', 'p99'], hhmm),
        lineChart('Latency percentiles, last 24 h', day.series, ['p50', 'p90', 'p99'], hhmm)),
      el('div', { class: 'columns' },
        section('By family, last hour', groupTable(hour.families)),
        section('By family, last 24 h', groupTable(day.families)),
        section('By partner, last hour', groupTable(hour.partners)),
        section('By partner, last 24 h', groupTable(day.partners))),
      section('Destinations and brokers', destinationsTable(data.destinations, data.destination_states),
        data.consumers.length ? table(['consumer', 'broker', 'queue', 'from'],
          data.consumers.map((c) => [c.name, c.broker, c.queue, c.from])) : null,
        links.length ? table(['connection', 'name', 'broker', 'state', 'since', 'detail'],
          links.map((l) => [l.kind, l.name, l.broker, badge(l.up ? 'up' : 'down'), time(l.since_ms),
            el('span', { class: 'detail' }, l.detail)])) : null));
    refreshTimer = setTimeout(() => { if (currentPage() === 'overview') overviewPage(); }, 10000);
  }

  /* ---------------------------------------------------------- messages */

  const families = ['', 'DEC', 'RES', 'PAY', 'LPCO', 'TRN'];
  const states = ['', 'routed', 'unrouted', 'delivered', 'rejected', 'duplicate', 'failed'];

  function select(name, options, value) {
    return el('select', { name, id: 'search-' + name }, options.map((o) =>
      el('option', { value: o, selected: o === value }, o || 'any')));
  }

  /* datetime-local (the browser's time) <-> the API's UTC */
  function toUtc(local) {
    if (!local) return '';
    const d = new Date(local);
    return isNaN(d) ? '' : d.toISOString().slice(0, 19) + 'Z';
  }

  function toLocal(utc) {
    if (!utc) return '';
    const d = new Date(utc);
    if (isNaN(d)) return '';
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function messagesTable(messages) {
    return table(['received', 'id', 'partner', 'family', 'reference', 'state', 'errors'],
      messages.map((m) => [time(m.received_at), messageLink(m.id), m.partner || '—', m.family || '—',
        m.reference || '—', badge(m.state),
        m.errors ? el('span', { class: 'detail' }, (m.first_error || '') +
          (m.errors > 1 ? ` (and ${m.errors - 1} more)` : '')) : '']),
      'No message matches.');
  }

  async function messagesPage(params) {
    const fields = {
      q: el('input', { name: 'q', id: 'search-q', value: params.get('q') || '', type: 'search',
        placeholder: 'id, reference or partner' }),
      reference: el('input', { name: 'reference', id: 'search-reference', value: params.get('reference') || '' }),
      partner: el('input', { name: 'partner', id: 'search-partner', value: params.get('partner') || '' }),
      family: select('family', families, params.get('family') || ''),
      state: select('state', states, params.get('state') || ''),
      from: el('input', { name: 'from', id: 'search-from', type: 'datetime-local', value: toLocal(params.get('from')) }),
      to: el('input', { name: 'to', id: 'search-to', type: 'datetime-local', value: toLocal(params.get('to')) }),
    };
    const form = el('form', { class: 'search card', id: 'search', onsubmit: (ev) => {
      ev.preventDefault();
      const next = new URLSearchParams();
      for (const [name, input] of Object.entries(fields)) {
        const value = name === 'from' || name === 'to' ? toUtc(input.value) : input.value.trim();
        if (value) next.set(name, value);
      }
      location.hash = '#/messages?' + next.toString();
    } },
    Object.entries(fields).map(([name, input]) => el('label', {}, el('span', {}, name === 'q' ? 'search' : name), input)),
    el('button', { type: 'submit', id: 'search-submit' }, 'Search'));
    const results = el('div', { id: 'results' }, el('p', { class: 'muted' }, 'Searching…'));
    show(el('h1', {}, 'Messages'), form, results);

    const query = new URLSearchParams();
    for (const name of ['q', 'reference', 'partner', 'family', 'state', 'from', 'to'])
      if (params.get(name)) query.set(name, params.get(name));
    query.set('limit', '50');
    const found = [];
    async function page(before) {
      if (before) query.set('before', before);
      try {
        const data = await call('GET', '/messages?' + query.toString());
        found.push(...data.messages);
        clear(results);
        append(results, [messagesTable(found), data.next ? el('button', { type: 'button', class: 'secondary',
          onclick: () => page(data.next) }, 'Older messages') : null]);
      } catch (e) {
        clear(results).appendChild(failure(e));
      }
    }
    page(null);
  }

  /* ---------------------------------------------------------- one message */

  /* EDIFACT split into segments with the message and segment numbers that
   * error places use ("message 1 segment 19 MOA …"; UNH = 1). */
  function edifactSegments(text, latin1) {
    const bytes = latin1 ? (s) => s.length : (s) => new TextEncoder().encode(s).length;
    const segments = [];
    let release = '?', terminator = "'", i = 0, offset = 0, message = 0, inMessage = 0, current = '';
    function push(raw) {
      const tag = raw.replace(/^\s+/, '').slice(0, 3);
      let number = null;
      if (tag === 'UNH') { message++; inMessage = 1; number = 1; }
      else if (inMessage) { number = ++inMessage; if (tag === 'UNT') inMessage = 0; }
      segments.push({ text: raw, tag, message: number ? message : null, segment: number, offset });
      offset += bytes(raw);
    }
    if (text.startsWith('UNA') && text.length >= 9) {
      release = text[6] === ' ' ? null : text[6];
      terminator = text[8];
      push(text.slice(0, 9));
      i = 9;
    }
    for (; i < text.length; i++) {
      const c = text[i];
      if (release && c === release && i + 1 < text.length) {
        current += c + text[++i];
        continue;
      }
      current += c;
      if (c === terminator) {
        push(current);
        current = '';
      }
    }
    if (current.trim()) push(current);
    return segments;
  }

  function edifactPlace(place) {
    const m = /(?:offset (\d+) )?message (\d+) segment (\d+)/.exec(place || '');
    if (!m) return null;
    return { offset: m[1] !== undefined ? Number(m[1]) : null, message: Number(m[2]), segment: Number(m[3]) };
  }

  function looksLikeEdifact(text) {
    return /^\s*(UNA|UNB)/.test(text);
  }

  /* The lines of an EDIFACT interchange, one segment a line, the segments
   * named by errors marked with their errors. */
  function edifactView(text, latin1, errors) {
    const segments = edifactSegments(text, latin1);
    const marks = new Map();
    for (const e of errors) {
      const p = edifactPlace(e.place);
      if (!p) continue;
      let index = -1;
      if (p.message > 0) index = segments.findIndex((s) => s.message === p.message && s.segment === p.segment);
      if (index < 0 && p.offset !== null)
        index = segments.findIndex((s, i) => s.offset <= p.offset &&
          (i + 1 === segments.length || segments[i + 1].offset > p.offset));
      if (index < 0) continue;
      if (!marks.has(index)) marks.set(index, []);
      marks.get(index).push(e);
    }
    return el('ol', { class: 'code edifact' }, segments.map((s, i) => {
      const errs = marks.get(i);
      return el('li', { class: errs ? 'error-line' : null, 'data-segment': s.segment ? `${s.message}.${s.segment}` : null },
        el('span', { class: 'seg-no' }, s.segment ? `${s.message}:${s.segment}` : ''),
        el('code', {}, s.text.replace(/[\r\n]+/g, '')),
        errs ? errs.map((e) => el('span', { class: 'inline-error' }, `${e.code}: ${e.text}`)) : null);
    }));
  }

  /* An XPath of an error reduced for comparison: no predicates [1], no
   * trailing note ("… [class 42A, tag 109]"). */
  function xpathKey(path) {
    return String(path || '').split(' ')[0].replace(/\[1\]/g, '');
  }

  /* The lines of an XML document, pretty-printed from a DOM that is never
   * attached to the page; the elements named by errors marked. */
  function xmlView(text, errors) {
    const wanted = new Map();
    for (const e of errors) {
      if (!e.place || e.place[0] !== '/') continue;
      const key = xpathKey(e.place);
      if (!wanted.has(key)) wanted.set(key, []);
      wanted.get(key).push(e);
    }
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    if (doc.getElementsByTagName('parsererror').length)
      return el('ol', { class: 'code' }, text.split('\n').map((line) => el('li', {}, el('code', {}, line))));
    const lines = [];
    function walk(node, depth, path) {
      const counts = {};
      for (const child of node.childNodes) {
        if (child.nodeType !== 1) continue;
        counts[child.nodeName] = (counts[child.nodeName] || 0) + 1;
        const childPath = path + '/' + child.nodeName + (counts[child.nodeName] > 1 ? `[${counts[child.nodeName]}]` : '');
        const attrs = Array.from(child.attributes).map((a) => ` ${a.name}="${a.value}"`).join('');
        const elements = Array.from(child.childNodes).filter((c) => c.nodeType === 1);
        const textValue = elements.length ? '' : child.textContent.trim();
        const errs = wanted.get(xpathKey(childPath)) || [];
        const body = elements.length ? `<${child.nodeName}${attrs}>`
          : textValue ? `<${child.nodeName}${attrs}>${textValue}</${child.nodeName}>` : `<${child.nodeName}${attrs}/>`;
        lines.push({ depth, body, errs, path: childPath });
        if (elements.length) {
          walk(child, depth + 1, childPath);
          lines.push({ depth, body: `</${child.nodeName}>`, errs: [], path: null });
        }
      }
    }
    walk(doc, 0, '');
    return el('ol', { class: 'code xml' }, lines.map((l) => {
      const line = el('li', { class: l.errs.length ? 'error-line' : null, title: l.path || null },
        el('code', {}, '  '.repeat(l.depth) + l.body),
        l.errs.map((e) => el('span', { class: 'inline-error' }, `${e.code}: ${e.text}`)));
      return line;
    }));
  }

  function bodyView(body, errors) {
    if (!body) return el('p', { class: 'muted' }, 'Not kept.');
    const view = looksLikeEdifact(body.text) ? edifactView(body.text, body.encoding !== 'utf-8', errors)
      : xmlView(body.text, errors);
    return el('div', { class: 'body-view' },
      el('p', { class: 'muted small' }, `${number(body.size)} bytes, ${body.encoding}` +
        (body.truncated ? ', cut at 1 MiB' : '')), view);
  }

  function signatureOf(m) {
    const verify = m.stages.find((s) => s.stage === 'verify');
    if (!verify) return { verdict: m.format === 'edifact' ? 'not signed (EDIFACT)' : 'not verified', kind: 'muted' };
    if (verify.outcome === 'ok') return { verdict: 'valid', kind: 'ok', detail: verify.detail };
    if (verify.outcome === 'skipped') return { verdict: 'not signed', kind: 'muted', detail: verify.detail };
    return { verdict: 'invalid: ' + (verify.detail || ''), kind: 'bad' };
  }

  function facts(m) {
    const rows = [['state', badge(m.state)], ['received', time(m.received_at)], ['channel', m.channel],
      ['partner', m.partner], ['format', m.format], ['family', m.family], ['type', m.type], ['office', m.office],
      ['reference', m.reference], ['sender', m.sender], ['recipient', m.recipient], ['size', number(m.size) + ' bytes'],
      ['SHA-256', el('code', { class: 'small' }, m.sha256 || '')]];
    return el('dl', { class: 'facts' }, rows.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v || '—')]));
  }

  function timeline(stages) {
    return el('ol', { class: 'timeline' }, stages.map((s) =>
      el('li', { class: 'stage-' + String(s.outcome).replace(/[^a-z]/g, '') },
        el('span', { class: 'stage-name' }, s.stage), badge(s.outcome),
        el('span', { class: 'muted small' }, time(s.at) + (s.elapsed_us ? ` (${(s.elapsed_us / 1000).toFixed(2)} ms)` : '')),
        s.detail ? el('div', { class: 'detail' }, s.detail) : null)));
  }

  function replayButton(id, container, after) {
    const mayReplay = session && session.may_replay;
    const button = el('button', { type: 'button', class: 'replay', 'data-id': id, disabled: !mayReplay,
      title: mayReplay ? 'Put the dead deliveries back into the outbox' : 'Only operators may replay' },
    mayReplay ? 'Replay' : 'Replay (operators only)');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const r = await call('POST', '/messages/' + encodeURIComponent(id) + '/replay');
        notice(`${r.put_back} ${r.put_back === 1 ? 'delivery' : 'deliveries'} of ${id} put back by ${r.by}`, 'ok');
        if (after) after();
      } catch (e) {
        notice('Replay refused: ' + (e instanceof ApiError ? e.message : 'the gateway could not be reached'), 'error');
        button.disabled = !mayReplay;
      }
    });
    return container ? append(container, [button]) : button;
  }

  async function messagePage(id) {
    let data;
    try {
      data = await call('GET', '/messages/' + encodeURIComponent(id));
    } catch (e) {
      show(el('h1', {}, 'Message'), failure(e));
      return;
    }
    const m = data.message;
    const sig = signatureOf(m);
    let part = data.parts[0] || null;
    const normalizedBox = el('div', { class: 'pane-body' });
    function showPart() {
      clear(normalizedBox).appendChild(part ? bodyView(part.normalized, m.errors) : el('p', { class: 'muted' },
        m.state === 'rejected' || m.state === 'duplicate' ? 'Not kept: the message was not taken.' : 'None.'));
    }
    showPart();
    const partChooser = data.parts.length > 1 ? el('select', { onchange: (ev) => {
      part = data.parts[Number(ev.target.value)];
      showPart();
    } }, data.parts.map((p, i) => el('option', { value: i }, `part ${p.part} (${p.family || '?'})`))) : null;
    const dead = m.deliveries.some((d) => d.state === 'dead');
    show(
      el('h1', {}, 'Message ', el('code', {}, m.id), ' ', badge(m.state)),
      el('div', { class: 'columns' },
        section('Facts', facts(m)),
        section('Signature', el('p', { class: 'verdict verdict-' + sig.kind, id: 'signature-verdict' }, sig.verdict),
          el('dl', { class: 'facts' }, el('dt', {}, 'signer'), el('dd', {}, m.signer || sig.detail || '—'))),
        section('Timeline', timeline(m.stages))),
      section('Errors', table(['code', 'place', 'text'], m.errors.map((e) =>
        [el('code', {}, e.code || ''), el('code', { class: 'place' }, e.place || ''), e.text || '']), 'No errors.')),
      el('div', { class: 'side-by-side' },
        el('section', { class: 'card pane', id: 'raw-pane' }, el('h2', {}, 'Raw message',
          el('span', { class: 'muted small' }, ' ' + (data.content_type || ''))),
        bodyView(data.raw, m.errors)),
        el('section', { class: 'card pane', id: 'normalized-pane' }, el('h2', {}, 'Normalized WCO DM', partChooser),
          normalizedBox)),
      section('Acknowledgements sent', data.acknowledgements.length ? data.acknowledgements.map((a) =>
        el('details', {}, el('summary', {}, `${a.kind} at ${time(a.at)} (${number(a.body.size)} bytes)`),
          el('pre', { class: 'code-block' }, a.body.text))) : el('p', { class: 'muted' }, 'None.')),
      section('Deliveries', table(['destination', 'delivery id', 'state', 'attempts', 'delivered', 'last error'],
        m.deliveries.map((d) => [d.destination, el('code', {}, d.delivery_id), badge(d.state), number(d.attempts),
          time(d.delivered_at), el('span', { class: 'detail' }, d.last_error || '')]), 'Not routed anywhere.'),
      dead ? replayButton(m.id, null, () => messagePage(id)) : null),
      section('Audit', table(['at', 'who', 'action', 'detail'], data.audit.map((a) =>
        [time(a.at), a.who, a.action, a.detail || '']), 'Nobody acted on this message.')));
    const first = document.querySelector('.error-line');
    if (first) first.scrollIntoView({ block: 'center' });
  }

  /* ---------------------------------------------------------- failed */

  async function failedPage() {
    show(el('h1', {}, 'Failed and dead-lettered'), el('p', { class: 'muted' }, 'Loading…'));
    let dead, rejected;
    try {
      [dead, rejected] = await Promise.all([call('GET', '/dead'), call('GET', '/messages?state=rejected&limit=20')]);
    } catch (e) {
      show(el('h1', {}, 'Failed and dead-lettered'), failure(e));
      return;
    }
    const withButton = new Set();    /* one replay button per message, on its first row */
    show(
      el('h1', {}, 'Failed and dead-lettered'),
      section('Dead deliveries',
        el('p', { class: 'muted' }, 'A delivery is dead after its destination\'s last attempt or a refusal. ' +
          'Once the cause is fixed, replay puts it back into the outbox; each replay is written to the audit trail.'),
        table(['message', 'received', 'partner', 'family', 'reference', 'destination', 'attempts', 'last error', ''],
          dead.dead.map((d) => [messageLink(d.message_id), time(d.received_at), d.partner || '—', d.family || '—',
            d.reference || '—', d.destination, number(d.attempts), el('span', { class: 'detail' }, d.last_error || ''),
            withButton.has(d.message_id) ? '' : (withButton.add(d.message_id), replayButton(d.message_id, null,
              failedPage))]),
          'No dead deliveries.')),
      section('Recently rejected', messagesTable(rejected.messages)));
  }

  /* ---------------------------------------------------------- partners, routes */

  async function partnersPage() {
    let p, r;
    try {
      [p, r] = await Promise.all([call('GET', '/partners'), call('GET', '/routes')]);
    } catch (e) {
      show(el('h1', {}, 'Partners and routes'), failure(e));
      return;
    }
    show(
      el('h1', {}, 'Partners and routes'),
      section('Partners', table(['partner', 'EDIFACT id', 'signing identity', 'client certificate', 'families',
        'signature', 'acknowledgements', 'messages (24 h)', 'rejected', 'failed', 'last seen'],
      p.partners.map((x) => {
        const a = p.activity[x.id] || {};
        return [link('#/messages?partner=' + encodeURIComponent(x.id), x.id), x.edifact_id || '—', x.identity || '—',
          x.client_certificate || '—', x.families.join(', ') || 'none',
          x.require_signature ? 'required' : x.signed ? 'verified when signed' : 'none', x.acknowledgements,
          number(a.messages_day || 0), number(a.rejected_day || 0), number(a.failed_day || 0), time(a.last_seen)];
      }), 'No partners are configured.')),
      section('Routes', table(['route', 'families', 'type', 'office', 'agency', 'to'],
        r.routes.map((x) => [x.name, x.families ? x.families.join(', ') : 'any', x.type || 'any', x.office || 'any',
          x.agency || 'any', x.to.join(', ')]), 'No routes are configured.')),
      section('Destinations', destinationsTable(r.destinations, r.destination_states)),
      section('Consumers', table(['consumer', 'broker', 'queue', 'from'],
        r.consumers.map((c) => [c.name, c.broker, c.queue, c.from]), 'No queues are consumed.')));
  }

  /* ---------------------------------------------------------- audit */

  async function auditPage() {
    let data;
    try {
      data = await call('GET', '/audit?limit=200');
    } catch (e) {
      show(el('h1', {}, 'Audit trail'), failure(e));
      return;
    }
    show(el('h1', {}, 'Audit trail'), section('Replays and other actions, newest first',
      table(['at', 'who', 'action', 'message', 'detail'], data.audit.map((a) =>
        [time(a.at), a.who, a.action, a.message_id ? messageLink(a.message_id) : 'all', a.detail || '']),
      'Nothing yet.')));
  }

  /* ---------------------------------------------------------- the router */

  function currentPage() {
    return (location.hash.replace(/^#\//, '').split(/[/?]/)[0]) || 'overview';
  }

  async function route() {
    clearTimeout(refreshTimer);
    notice('');
    const hash = location.hash.replace(/^#/, '') || '/overview';
    const [path, query] = hash.split('?');
    const page = currentPage();
    for (const a of document.querySelectorAll('#nav a'))
      a.classList.toggle('active', a.dataset.page === page || (page === 'message' && a.dataset.page === 'messages'));
    if (page === 'login') return loginPage();
    if (!session) {
      try {
        session = await call('GET', '/session');
        showIdentity();
      } catch (e) {
        return;    /* call() went to the login page */
      }
    }
    const params = new URLSearchParams(query || '');
    if (page === 'overview') return overviewPage();
    if (page === 'messages') return messagesPage(params);
    if (page === 'message') return messagePage(decodeURIComponent(path.split('/')[2] || ''));
    if (page === 'failed') return failedPage();
    if (page === 'partners') return partnersPage();
    if (page === 'audit') return auditPage();
    show(el('h1', {}, 'Not found'), el('p', {}, 'There is no such page.'));
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.getElementById('logout').addEventListener('click', async () => {
      try { await call('POST', '/logout'); } catch (e) { /* the session is gone either way */ }
      session = null;
      showIdentity();
      location.hash = '#/login';
    });
    window.addEventListener('hashchange', route);
    route();
  });
})();
