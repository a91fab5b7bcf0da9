// The built-in dashboards' page script (served by collector/routes/dashboards.ts as /dashboards/assets/ui.js).
// Reads the date range (and channel) from the URL, fetches each question's rows from the JSON API and
// renders a table and, where the SQL file's header names one, a Chart.js chart. Numbers are shown with
// en-US grouping and at most 4 decimals (formatCell); the browser test formats the SQL results the same way.
/* global window, document, Chart */
(function () {
  'use strict';
  var body = document.body;
  var dashboard = body.getAttribute('data-dashboard');
  var number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
  var COLORS = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#84cc16', '#ec4899'];
  var charts = {};

  function isoDay(d) {
    return d.toISOString().slice(0, 10);
  }
  function formatCell(value) {
    if (value === null || value === undefined) return '—';
    if (typeof value === 'number') return number.format(value);
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    return String(value);
  }

  var params = new URLSearchParams(window.location.search);
  var today = new Date();
  var from = document.getElementById('from');
  var to = document.getElementById('to');
  var channel = document.getElementById('channel');
  to.value = params.get('to') || isoDay(today);
  from.value = params.get('from') || isoDay(new Date(today.getTime() - 29 * 86400000));
  if (channel) channel.value = params.get('channel') || '';

  function query() {
    var q = new URLSearchParams();
    if (from.value) q.set('from', from.value);
    if (to.value) q.set('to', to.value);
    if (channel && channel.value.trim()) q.set('channel', channel.value.trim());
    return q.toString();
  }

  function renderTable(section, data) {
    var thead = section.querySelector('thead');
    var tbody = section.querySelector('tbody');
    thead.innerHTML = '';
    tbody.innerHTML = '';
    var head = document.createElement('tr');
    data.columns.forEach(function (c) {
      var th = document.createElement('th');
      th.textContent = c;
      head.appendChild(th);
    });
    thead.appendChild(head);
    data.rows.forEach(function (row) {
      var tr = document.createElement('tr');
      row.forEach(function (value) {
        var td = document.createElement('td');
        td.textContent = formatCell(value);
        if (typeof value === 'number') td.className = 'num';
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    if (data.rows.length === 0) {
      var empty = document.createElement('tr');
      var td = document.createElement('td');
      td.colSpan = data.columns.length;
      td.textContent = 'No data in this range.';
      empty.appendChild(td);
      tbody.appendChild(empty);
    }
  }

  function renderChart(section, data) {
    var spec = data.chart;
    var canvas = section.querySelector('canvas');
    if (!spec || !canvas || typeof Chart === 'undefined') return;
    var col = function (name) {
      return data.columns.indexOf(name);
    };
    var x = col(spec.x);
    var labels = [];
    data.rows.forEach(function (r) {
      var label = formatCell(r[x]);
      if (labels.indexOf(label) === -1) labels.push(label);
    });
    var datasets = [];
    if (spec.series) {
      var s = col(spec.series);
      var y = col(spec.y[0]);
      var names = [];
      data.rows.forEach(function (r) {
        if (names.indexOf(r[s]) === -1) names.push(r[s]);
      });
      names.forEach(function (name, i) {
        var points = labels.map(function (label) {
          var hit = data.rows.find(function (r) {
            return r[s] === name && formatCell(r[x]) === label;
          });
          return hit ? hit[y] : null;
        });
        datasets.push({ label: String(name), data: points, borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length] });
      });
    } else {
      spec.y.forEach(function (name, i) {
        var y = col(name);
        datasets.push({
          label: name,
          data: data.rows.map(function (r) {
            return r[y];
          }),
          borderColor: COLORS[i % COLORS.length],
          backgroundColor: COLORS[i % COLORS.length],
        });
      });
    }
    var key = section.getAttribute('data-question');
    if (charts[key]) charts[key].destroy();
    charts[key] = new Chart(canvas, {
      type: spec.type,
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        spanGaps: true,
        scales: { x: { stacked: !!spec.stacked }, y: { stacked: !!spec.stacked, beginAtZero: true } },
      },
    });
  }

  function load() {
    var sections = document.querySelectorAll('section[data-question]');
    return Promise.all(
      Array.prototype.map.call(sections, function (section) {
        section.setAttribute('data-state', 'loading');
        var url = '/dashboards/api/' + dashboard + '/' + section.getAttribute('data-question') + '?' + query();
        return fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
          .then(function (response) {
            return response.json().then(function (json) {
              if (!response.ok) throw new Error(json && json.error ? json.error : 'HTTP ' + response.status);
              return json;
            });
          })
          .then(function (data) {
            renderTable(section, data);
            renderChart(section, data);
            section.setAttribute('data-state', 'loaded');
          })
          .catch(function (error) {
            var tbody = section.querySelector('tbody');
            tbody.innerHTML = '';
            var tr = document.createElement('tr');
            var td = document.createElement('td');
            td.className = 'error';
            td.textContent = 'Could not load: ' + error.message;
            tr.appendChild(td);
            tbody.appendChild(tr);
            section.setAttribute('data-state', 'error');
          });
      }),
    ).then(function () {
      body.setAttribute('data-state', 'loaded');
    });
  }

  document.getElementById('filters').addEventListener('submit', function (event) {
    event.preventDefault();
    window.history.replaceState(null, '', window.location.pathname + '?' + query());
    body.removeAttribute('data-state');
    void load();
  });
  document.querySelectorAll('header a').forEach(function (a) {
    a.addEventListener('click', function () {
      a.href = a.pathname + '?' + query();
    });
  });
  void load();
})();
