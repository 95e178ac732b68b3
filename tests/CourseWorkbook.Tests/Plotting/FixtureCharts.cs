using CourseWorkbook.Plotting;
using FixtureChart = CourseWorkbook.Plotting.Chart;

namespace CourseWorkbook.Tests.Plotting;

/// <summary>The charts whose plotly figure JSON and SVG are kept as fixtures (see Fixtures/PROVENANCE.md): the same
/// calls, with the same inputs, as the program that wrote them through Plotly.NET 6.0.0 (there FixtureChart was
/// Plotly.NET's GenericChart).</summary>
public static class FixtureCharts
{
    static double[] Wave(int n, double scale, double phase) =>
        Enumerable.Range(0, n).Select(i => scale * (1.5 + Math.Sin(0.37 * i + phase)) / (1 + 0.1 * i)).ToArray();

    static FixtureChart LineLinear() => Plot.Line("Training loss", "epoch", "loss",
        Series.FromY("train", Wave(12, 1.0, 0.3)), Series.FromY("validation", Wave(12, 1.2, 0.1), first: 1));

    static FixtureChart LineLogModes() => Plot.Line("Scaling law: loss = a · C^−b", "compute (FLOPs)", "loss", [
            new Series("measured", [1e15, 1e16, 1e17, 1e18, 1e19], [4.1, 3.5, 3.02, 2.61, 2.3], SeriesMode.Markers),
            new Series("fit", [1e15, 1e19], [4.05, 2.28], SeriesMode.Lines, Dashed: true),
            new Series("budget", [1e16, 1e17, 1e18], [3.9, 3.3, 2.8], SeriesMode.LinesAndMarkers),
        ], logX: true, logY: true);

    static FixtureChart LineLogX() => Plot.Line("Learning rate sweep", "learning rate", "final loss",
        [new Series("loss", [1e-5, 3e-5, 1e-4, 3e-4, 1e-3], [2.9, 2.4, 2.1, 2.25, 3.7], SeriesMode.LinesAndMarkers)],
        logX: true);

    static FixtureChart LineMissingValue() => Plot.Line("Gap", "x", "y",
        new Series("s", [0, 1, 2, 3], [1, double.NaN, 2, 3]),
        new Series("t", [0, 1, 2, 3], [0.1, 0.2, double.PositiveInfinity, 0.4]));

    static FixtureChart LineEscapes() => Plot.Line("<b>Attention</b> & \"quotes\"<br>second line", "x < y", "y & z",
        new Series("a<y & z>", [0, 1], [0, 1]), new Series("two", [0, 1], [1, 0]));

    static FixtureChart ScatterLabelsHover() => Plot.Scatter("Embeddings after training",
        [0.5, -1.25, 2.0, 3.75, -0.1, 1.1, 2.2], [1.0, 2.5, -0.75, 0.3, 0.0, 1e-7, 12345.678],
        labels: ["dog", "cat", "dog", "bird", "cat", "bird", "dog"],
        hoverTexts:
        [
            "a dog runs", "a cat sleeps", "two dogs", "a bird sings", "cats purr", "birds fly", "\"quoted\" <dog>",
        ],
        xTitle: "t-SNE 1", yTitle: "t-SNE 2", markerSize: 8);

    static FixtureChart ScatterLabelOrder() => Plot.Scatter("Digits",
        [1, 2, 3, 4, 5, 6], [1, 4, 9, 16, 25, 36], ["7", "1", "x", "0", "1", "7"], labelOrder: ["0", "1", "7"]);

    static FixtureChart ScatterPlain() => Plot.Scatter("Points", [1, 2, 3], [3, 4, 2]);

    static FixtureChart ScatterEmpty() => Plot.Scatter("Nothing yet", [], []);

    static FixtureChart HeatmapDefault() =>
        Plot.Heatmap("Attention", new double[,] { { 0, 1, 2, 3 }, { 4, 5, 6, 7 }, { 8, 9, 10, 11.5 } });

    static FixtureChart HeatmapLabelsValues() =>
        Plot.Heatmap("Distances", new double[,] { { 0.123, 0.456, 0.9 }, { 1.5, 0.25, 0.0 } },
            xLabels: ["a", "b", "c"], yLabels: ["q1", "q2"], colorScale: ColorScale.Blues, zMin: 0, zMax: 2,
            showValues: true, xTitle: "documents", yTitle: "queries");

    static FixtureChart HeatmapDiverging() =>
        Plot.Heatmap("Cosine similarity", new double[,] { { -1, 0, 0.5 }, { 0.25, -0.75, 1 } },
            colorScale: ColorScale.Diverging, zMin: -1, zMax: 1);

    static FixtureChart HeatmapCustomScale() => Plot.Heatmap("Custom", new double[,] { { 1, 2 }, { 3, 4 } },
        xLabels: ["left", "right"], colorScale: ColorScale.Even("Greens", "#f7fcf5", "#74c476", "#00441b"), zMax: 5);

    static FixtureChart BarSimple() =>
        Plot.Bar("Recall", ["bm25", "dense"], ("@5", new[] { 0.2, 0.4 }), ("@10", new[] { 0.4, 0.8 }));

    static FixtureChart BarWithTitle() => Plot.Bar("Recall per retriever", "recall", ["BM25", "dense", "hybrid"],
        ("recall@5", new[] { 0.52, 0.61, 0.7 }));

    static FixtureChart GridScatters() => Plot.Grid(3,
        Plot.Scatter("Before", [0, 1, 2], [0, 1, 0.5], ["cat", "dog", "cat"]),
        Plot.Scatter("After", [0, 1, 2], [1, 0, 0.25], ["cat", "dog", "bird"], hoverTexts: ["x", "y", "z"]),
        Plot.Line("Loss", "epoch", "loss", new Series("train", [0, 1], [1, 0])));

    static FixtureChart GridHeatmapsTitled() => Plot.Grid(2, ["first", "second"],
        Plot.Heatmap("A", new double[,] { { 1, 2 }, { 3, 4 } }, ["u", "v"], ["r", "s"], showValues: true),
        Plot.Heatmap("B", new double[,] { { -1, 1 } }, colorScale: ColorScale.Diverging, zMin: -1, zMax: 1));

    static FixtureChart GridMixedRows() => Plot.Grid(2,
        Plot.Bar("Recall", "recall", ["bm25", "dense"], ("@5", new[] { 0.2, 0.4 }), ("@10", new[] { 0.4, 0.8 })),
        Plot.Line("Scaling", "C", "L", [new Series("fit", [1e3, 1e6], [3, 2], Dashed: true)], logX: true, logY: true),
        Plot.Scatter("", [1, 2], [2, 1]));

    /// <summary>Every fixture chart by its file name (without extension).</summary>
    public static IReadOnlyList<(string Name, Func<FixtureChart> Make)> All { get; } =
    [
        ("line-linear", LineLinear), ("line-log-modes", LineLogModes), ("line-log-x", LineLogX),
        ("line-missing-value", LineMissingValue), ("line-escapes", LineEscapes),
        ("scatter-labels-hover", ScatterLabelsHover), ("scatter-label-order", ScatterLabelOrder),
        ("scatter-plain", ScatterPlain), ("scatter-empty", ScatterEmpty),
        ("heatmap-default", HeatmapDefault), ("heatmap-labels-values", HeatmapLabelsValues),
        ("heatmap-diverging", HeatmapDiverging), ("heatmap-custom-scale", HeatmapCustomScale),
        ("bar-simple", BarSimple), ("bar-with-title", BarWithTitle),
        ("grid-scatters", GridScatters), ("grid-heatmaps-titled", GridHeatmapsTitled),
        ("grid-mixed-rows", GridMixedRows),
    ];
}
