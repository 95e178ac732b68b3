using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace CourseWorkbook.Plotting;

/// <summary>The HTML form of a chart: a div holding the static SVG, and a script that replaces it with the
/// interactive plotly.js chart when plotly.js can be loaded. It loads plotly.js through require.js where the page
/// has it (classic Jupyter) and with a script tag otherwise (VS Code, JupyterLab, a saved page); offline, or where
/// scripts do not run (GitHub's notebook viewer), the SVG stays.</summary>
internal static class ChartHtml
{
    /// <summary>The plotly.js release the figures are written for (the one Plotly.NET 6.0.0 used).</summary>
    public const string PlotlyJsUrl = "https://cdn.plot.ly/plotly-2.28.0.min";

    static int displayed;

    public static string Fragment(Chart chart)
    {
        var figure = ChartJson.Figure(chart);
        var svg = SvgRenderer.Render(chart, figure);
        // Unique within a page (a hash of the figure and a display counter), yet deterministic: a notebook re-run
        // in a fresh process gets the same ids, so its saved outputs do not change for nothing.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(figure)))[..12];
        var id = $"courseworkbook-chart-{hash}-{Interlocked.Increment(ref displayed)}";
        // "<" never appears raw inside the script, so a title like "</script>" cannot end it early.
        // The figure goes in last, so that text inside it is never taken for a placeholder.
        var script = Loader.Replace("CHART_ID", id).Replace("PLOTLY_URL", PlotlyJsUrl)
            .Replace("FIGURE", figure.Replace("<", "\\u003c"));
        return $"<div id=\"{id}\" class=\"courseworkbook-chart\">{svg}</div>\n"
            + $"<script type=\"text/javascript\">{script}</script>\n";
    }

    public static string Page(Chart chart) =>
        $"""
        <!DOCTYPE html>
        <html>
        <head><meta charset="utf-8"><title>{WebUtility.HtmlEncode(chart.Title)}</title></head>
        <body>
        {Fragment(chart)}
        </body>
        </html>

        """;

    const string Loader = """

        (function () {
          var figure = FIGURE;
          var holder = document.getElementById("CHART_ID");
          function draw(Plotly) {
            if (!Plotly || !holder) return;
            var target = document.createElement("div");
            holder.appendChild(target);
            var options = { displaylogo: false, responsive: true };
            Plotly.newPlot(target, figure.data, figure.layout, options).then(function () {
              // Interactive chart drawn: drop the static SVG that stood in for it.
              Array.prototype.slice.call(holder.children).forEach(function (child) {
                if (child !== target) holder.removeChild(child);
              });
            }, function () { holder.removeChild(target); });
          }
          function keepSvg() { /* plotly.js could not be loaded (offline?): the static SVG stays. */ }
          if (window.Plotly) { draw(window.Plotly); return; }
          if (typeof window.requirejs === "function" && typeof window.requirejs.config === "function") {
            var require = window.requirejs.config({ context: "courseworkbook", paths: { plotly: "PLOTLY_URL" } });
            require(["plotly"], draw, keepSvg);
            return;
          }
          window.courseWorkbookPlotly = window.courseWorkbookPlotly || new Promise(function (resolve, reject) {
            var script = document.createElement("script");
            script.src = "PLOTLY_URL.js";
            script.onload = function () { resolve(window.Plotly); };
            script.onerror = reject;
            document.head.appendChild(script);
          });
          window.courseWorkbookPlotly.then(draw, keepSvg);
        })();

        """;
}
