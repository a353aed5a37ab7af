/*
 * The organisation pages' tables: formatting, sorting, units and the CSV download. The build renders every page's
 * default view with this same file (scripts/lib/reports/org-pages/shared.ts runs it in Node), and the browser runs it
 * to re-render a page's tables when its month, units or sort change, from the data the page embeds
 * (<script type="application/json" id="gp2gp-page-data">). Plain ES2017, no dependencies.
 */
(function (root, factory) {
  var api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else if (root && root.document) {
    root.gp2gpOrgPages = api;
    if (root.document.readyState === "loading") root.document.addEventListener("DOMContentLoaded", function () { api.start(root.document); });
    else api.start(root.document);
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var numbers = new Intl.NumberFormat("en-GB");

  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function isMissing(value) {
    return value === null || value === undefined || (typeof value === "number" && !isFinite(value));
  }

  /** A count as shown: "1,234"; "n/a" when missing. */
  function formatCount(value) {
    return isMissing(value) ? "n/a" : numbers.format(value);
  }

  /** A percentage read from the marts, shown to `digits` places with "%": "12.3%"; "n/a" when missing. */
  function formatPercent(value, digits) {
    return isMissing(value) ? "n/a" : Number(value).toFixed(digits === undefined ? 1 : digits) + "%";
  }

  /** Seconds shown as hours to 1 dp. */
  function formatHours(seconds) {
    return isMissing(seconds) ? "n/a" : (Number(seconds) / 3600).toLocaleString("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  }

  /** Columnar sets ({c: names, r: rows of values}) as arrays of objects. */
  function decodeSet(set) {
    if (!set || !set.c) return set;
    return set.r.map(function (values) {
      var row = {};
      for (var i = 0; i < set.c.length; i++) row[set.c[i]] = values[i];
      return row;
    });
  }

  /** A page's data with its sets decoded: each set is an array of rows, or (byMonth) an object of month → rows. */
  function decodeData(data) {
    var sets = {};
    Object.keys(data.sets).forEach(function (name) {
      var set = data.sets[name];
      if (set && set.c) sets[name] = decodeSet(set);
      else {
        sets[name] = {};
        Object.keys(set).forEach(function (month) {
          sets[name][month] = decodeSet(set[month]);
        });
      }
    });
    return Object.assign({}, data, { sets: sets });
  }

  /** The value a column shows (and sorts by) in the units chosen. */
  function columnValue(column, row, units) {
    if (column.type === "units") return units === "numbers" ? row[column.count] : row[column.percent];
    if (column.type === "link") return row[column.sortKey || column.label];
    return row[column.key];
  }

  function cellText(column, row, units) {
    switch (column.type) {
      case "units":
        return units === "numbers" ? formatCount(row[column.count]) : formatPercent(row[column.percent], column.digits);
      case "count":
        return formatCount(row[column.key]);
      case "percent":
        return formatPercent(row[column.key], column.digits);
      case "countPercent":
        return formatCount(row[column.count]) + " (" + formatPercent(row[column.percent], column.digits) + ")";
      case "hours":
        return formatHours(row[column.key]);
      default:
        return isMissing(row[column.key]) ? "" : String(row[column.key]);
    }
  }

  function compareValues(a, b) {
    if (typeof a === "string" || typeof b === "string") {
      a = String(a);
      b = String(b);
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /**
   * Rows sorted by a column in the units chosen, descending or ascending, missing values ("n/a") last either way,
   * then by the table's tie-breaks.
   */
  function sortRows(rows, table, sort, units) {
    var column = table.columns.filter(function (c) { return c.id === sort.column; })[0];
    if (!column) throw new Error("No column " + sort.column + " to sort " + table.id + " by");
    var direction = sort.order === "ascending" ? 1 : -1;
    return rows
      .map(function (row, index) { return { row: row, index: index, value: columnValue(column, row, units) }; })
      .sort(function (x, y) {
        var xMissing = isMissing(x.value);
        var yMissing = isMissing(y.value);
        if (xMissing !== yMissing) return xMissing ? 1 : -1;
        var order = xMissing ? 0 : direction * compareValues(x.value, y.value);
        for (var i = 0; order === 0 && i < (table.tiebreak || []).length; i++) {
          var tie = table.tiebreak[i];
          order = (tie.order === "descending" ? -1 : 1) * compareValues(x.row[tie.key], y.row[tie.key]);
        }
        return order || x.index - y.index;
      })
      .map(function (entry) { return entry.row; });
  }

  /** The rows a table shows in the state given (its month's rows, sorted when the table is sortable). */
  function tableRows(table, data, state) {
    var set = data.sets[table.source];
    var rows = table.byMonth ? set[state.month] || [] : set;
    if (table.sortable) rows = sortRows(rows, table, state.sorts[table.id] || table.defaultSort, state.units);
    return rows;
  }

  function monthLabel(data, month) {
    var found = data.months.filter(function (m) { return m.month === month; })[0];
    return found ? found.label : month;
  }

  /** The inside of a table element: caption, header row (aria-sort on the sorted column) and body. */
  function renderTable(table, data, state) {
    var rows = tableRows(table, data, state);
    var sort = table.sortable ? state.sorts[table.id] || table.defaultSort : null;
    var caption = table.caption.replace("{month}", monthLabel(data, state.month));
    var html = "<caption>" + escapeHtml(caption) + "</caption><thead><tr>";
    table.columns.forEach(function (column) {
      var numeric = column.type !== "text" && column.type !== "link";
      var aria = sort && sort.column === column.id ? ' aria-sort="' + sort.order + '"' : "";
      html += '<th scope="col"' + (numeric ? ' class="gp2gp-number"' : "") + aria + ">" + escapeHtml(column.title) + "</th>";
    });
    html += "</tr></thead><tbody>";
    if (rows.length === 0) {
      html += '<tr><td colspan="' + table.columns.length + '">' + escapeHtml(table.empty || "No data.") + "</td></tr>";
    }
    rows.forEach(function (row) {
      html += "<tr>";
      table.columns.forEach(function (column, index) {
        var tag = index === 0 ? 'th scope="row"' : "td";
        var end = index === 0 ? "th" : "td";
        var numeric = column.type !== "text" && column.type !== "link";
        var sorted = sort && sort.column === column.id ? " gp2gp-sorted" : "";
        var classes = (numeric ? "gp2gp-number" : "") + sorted;
        var open = "<" + tag + (classes ? ' class="' + classes.trim() + '"' : "") + ">";
        var content =
          column.type === "link" && row[column.key]
            ? '<a href="' + escapeHtml(data.base + row[column.key]) + '">' + escapeHtml(row[column.label]) + "</a>"
            : escapeHtml(column.type === "link" ? row[column.label] : cellText(column, row, state.units));
        html += open + content + "</" + end + ">";
      });
      html += "</tr>";
    });
    return html + "</tbody>";
  }

  /** The public site's download columns (reporting-products §2.5), with the row field each comes from. */
  var BASE_COLUMNS = [
    ["Sub ICB Location name", "sicbl_name", "text"],
    ["Sub ICB Location ODS", "sicbl_ods_code", "text"],
    ["Requesting practice name", "practice_name", "text"],
    ["Practice ODS", "practice_ods_code", "text"],
    ["Month", "month_name", "text"],
  ];
  var REQUESTED_COLUMNS = [
    ["GP2GP transfers requested", "requested_count", "count"],
    ["GP2GP transfers received", "received_count", "count"],
    ["GP2GP transfers received - %", "received_percent_of_requested", "percent"],
    ["GP2GP technical failures (paper copy requested)", "failures_total_count", "count"],
    ["GP2GP technical failures (paper copy requested) - %", "failures_total_percent_of_requested", "percent"],
  ];
  var INTEGRATION_COLUMNS = [
    ["GP2GP Transfers received", "received_count", "count"],
    ["Integrated within 3 days", "integrated_within_3_days_count", "count"],
    ["Integrated within 3 days - %", "integrated_within_3_days_percent_of_received", "percent"],
    ["Integrated within 8 days ", "integrated_within_8_days_count", "count"],
    ["Integrated within 8 days - %", "integrated_within_8_days_percent_of_received", "percent"],
    ["Not integrated within 8 days (paper copy requested)", "not_integrated_within_8_days_total", "count"],
    ["Not integrated within 8 days (paper copy requested) - %", "not_integrated_within_8_days_percent_of_received", "percent"],
  ];
  var DATASETS = {
    requested: { file: "transfers-requested", columns: BASE_COLUMNS.concat(REQUESTED_COLUMNS) },
    integration: { file: "integration-times", columns: BASE_COLUMNS.concat(INTEGRATION_COLUMNS) },
    all: { file: "all", columns: BASE_COLUMNS.concat(REQUESTED_COLUMNS, INTEGRATION_COLUMNS) },
  };

  function csvField(value, type) {
    if (type === "count") return isMissing(value) ? "" : String(value);
    // The site writes a percentage as its 1 dp value without a trailing ".0", then "%", or "n/a".
    var text = type === "percent" ? (isMissing(value) ? "n/a" : String(Number(value)) + "%") : isMissing(value) ? "" : String(value);
    return '"' + text.replace(/"/g, '""') + '"';
  }

  /** The rows of a page's download for a timeframe ("latest" or "six"): practice by practice, newest month first. */
  function downloadRows(data, timeframe) {
    var download = data.download;
    var months = timeframe === "latest" ? download.months.slice(0, 1) : download.months;
    var set = data.sets[download.source];
    var rows = [];
    months.forEach(function (month) {
      var monthRows = download.byMonth ? set[month] || [] : set.filter(function (row) { return row.metric_month === month; });
      monthRows.forEach(function (row) { rows.push({ row: row, month: month }); });
    });
    rows.sort(function (a, b) {
      return compareValues(a.row.practice_ods_code, b.row.practice_ods_code) || -compareValues(a.month, b.month);
    });
    return rows.map(function (entry) { return entry.row; });
  }

  /** The CSV text of a download: dataset "requested", "integration" or "all". */
  function downloadCsv(data, dataset, timeframe) {
    var spec = DATASETS[dataset];
    var lines = [spec.columns.map(function (c) { return csvField(c[0], "text"); }).join(",")];
    downloadRows(data, timeframe).forEach(function (row) {
      lines.push(spec.columns.map(function (c) { return csvField(row[c[1]], c[2]); }).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }

  /** The public site's file name: "GP Registrations Data <name> <dataset>-<timeframe>.csv". */
  function downloadFileName(data, dataset, timeframe) {
    return "GP Registrations Data " + data.download.name + " " + DATASETS[dataset].file + "-" + (timeframe === "latest" ? "latest-month" : "last-6-months") + ".csv";
  }

  function initialState(data) {
    return { month: data.month, units: data.units, sorts: {} };
  }

  /** Wires a page's controls to its tables, then marks the page ready (<html data-gp2gp-ready>). */
  function start(document) {
    var source = document.getElementById("gp2gp-page-data");
    if (!source) return;
    var data = decodeData(JSON.parse(source.textContent));
    var state = initialState(data);
    var render = function () {
      data.tables.forEach(function (table) {
        var element = document.getElementById(table.id);
        if (element) element.innerHTML = renderTable(table, data, state);
      });
      Array.prototype.forEach.call(document.querySelectorAll("[data-month-label]"), function (element) {
        element.textContent = monthLabel(data, state.month);
      });
      // Text written for each month (the comparison sentence): only the month shown is visible.
      Array.prototype.forEach.call(document.querySelectorAll("[data-month]"), function (element) {
        element.hidden = element.getAttribute("data-month") !== state.month;
      });
    };
    Array.prototype.forEach.call(document.querySelectorAll("select[data-control]"), function (select) {
      select.addEventListener("change", function () {
        var control = select.getAttribute("data-control");
        var table = select.getAttribute("data-table");
        if (control === "month") state.month = select.value;
        else if (control === "units") state.units = select.value;
        else if (control === "sort" || control === "order") {
          var current = state.sorts[table] || data.tables.filter(function (t) { return t.id === table; })[0].defaultSort;
          state.sorts[table] = control === "sort" ? { column: select.value, order: current.order } : { column: current.column, order: select.value };
        }
        render();
      });
    });
    var form = document.querySelector("form[data-download]");
    if (form && data.download) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var dataset = form.querySelector("input[name=dataset]:checked").value;
        var timeframe = form.querySelector("input[name=timeframe]:checked").value;
        var blob = new Blob(["\ufeff" + downloadCsv(data, dataset, timeframe)], { type: "text/csv;charset=utf-8" });
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = downloadFileName(data, dataset, timeframe);
        document.body.appendChild(link);
        link.click();
        setTimeout(function () {
          URL.revokeObjectURL(link.href);
          link.remove();
        }, 0);
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-gp2gp-controls]"), function (element) {
      element.hidden = false;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-gp2gp-no-script]"), function (element) {
      element.hidden = true;
    });
    document.documentElement.setAttribute("data-gp2gp-ready", "");
  }

  return {
    escapeHtml: escapeHtml,
    formatCount: formatCount,
    formatPercent: formatPercent,
    formatHours: formatHours,
    decodeData: decodeData,
    sortRows: sortRows,
    tableRows: tableRows,
    renderTable: renderTable,
    initialState: initialState,
    downloadRows: downloadRows,
    downloadCsv: downloadCsv,
    downloadFileName: downloadFileName,
    start: start,
  };
});
