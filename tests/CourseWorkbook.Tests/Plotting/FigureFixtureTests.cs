using System.Text.Json;
using System.Text.RegularExpressions;
using CourseWorkbook.Plotting;

namespace CourseWorkbook.Tests.Plotting;

/// <summary>The library's own figure model against the reference written by Plotly.NET 6.0.0 through the old code
/// (Fixtures/PROVENANCE.md): the same figure JSON, compared as JSON trees (key order free, numbers within 1e-12;
/// no key ignored), and the same SVG (its hash-derived ids aside).</summary>
public partial class FigureFixtureTests
{
    public static TheoryData<string> Names() => [.. FixtureCharts.All.Select(c => c.Name)];

    static string FixtureFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CourseWorkbook.sln")))
                return Path.Combine(dir.FullName, "tests", "CourseWorkbook.Tests", "Plotting", "Fixtures");
        throw new DirectoryNotFoundException("repository root not found");
    }

    static string Fixture(string file) => File.ReadAllText(Path.Combine(FixtureFolder(), file));

    static Chart Make(string name) => FixtureCharts.All.Single(c => c.Name == name).Make();

    [Theory]
    [MemberData(nameof(Names))]
    public void Figure_json_equals_what_plotly_net_wrote(string name)
    {
        using var expected = JsonDocument.Parse(Fixture(name + ".json"));
        using var actual = JsonDocument.Parse(Make(name).ToJson());

        var differences = JsonTree.Differences(expected.RootElement, actual.RootElement);

        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Svg_equals_what_the_renderer_drew_from_plotly_net_json(string name)
    {
        var expected = WithoutIds(Fixture(name + ".svg"));
        var actual = WithoutIds(SvgChart.Render(Make(name)));

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Every_fixture_file_has_its_chart()
    {
        var files = Directory.GetFiles(FixtureFolder(), "*.json").Select(Path.GetFileNameWithoutExtension);

        Assert.Equal(FixtureCharts.All.Select(c => c.Name).Order(), files.Order());
    }

    [Fact]
    public void The_comparison_finds_a_changed_number_a_missing_key_and_a_changed_text()
    {
        using var a = JsonDocument.Parse("""{"x": [1.0, 2.0], "name": "a", "marker": {"size": 7}}""");
        using var b = JsonDocument.Parse("""{"name": "b", "x": [1, 2.000001], "marker": {}}""");
        using var same = JsonDocument.Parse("""{"marker": {"size": 7.0}, "name": "a", "x": [1, 2]}""");

        Assert.Equal(3, JsonTree.Differences(a.RootElement, b.RootElement).Count);
        Assert.Empty(JsonTree.Differences(a.RootElement, same.RootElement));
    }

    /// <summary>Clip-path and gradient ids are "c" + 8 hex digits of a hash of the figure JSON text, whose number
    /// format differs between Plotly.NET and System.Text.Json.</summary>
    static string WithoutIds(string svg) => SvgId().Replace(svg, "cID-");

    [GeneratedRegex(@"\bc[0-9a-f]{8}-")]
    private static partial Regex SvgId();
}

/// <summary>Compares two JSON trees: objects by their key sets (any order), arrays element by element, numbers by
/// value within 1e-12 (relative to their size when larger than 1), strings and booleans exactly.</summary>
public static class JsonTree
{
    public static List<string> Differences(JsonElement expected, JsonElement actual, string path = "$")
    {
        var found = new List<string>();
        Compare(expected, actual, path, found);
        return found;
    }

    static void Compare(JsonElement expected, JsonElement actual, string path, List<string> found)
    {
        if (expected.ValueKind != actual.ValueKind && !(IsBool(expected) && IsBool(actual)))
        {
            found.Add($"{path}: expected {expected.ValueKind} {expected.GetRawText()}, "
                + $"got {actual.ValueKind} {actual.GetRawText()}");
            return;
        }
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedKeys = expected.EnumerateObject().Select(p => p.Name).ToHashSet();
                var actualKeys = actual.EnumerateObject().Select(p => p.Name).ToHashSet();
                foreach (var missing in expectedKeys.Except(actualKeys)) found.Add($"{path}.{missing}: missing");
                foreach (var extra in actualKeys.Except(expectedKeys)) found.Add($"{path}.{extra}: not expected");
                foreach (var key in expectedKeys.Intersect(actualKeys))
                    Compare(expected.GetProperty(key), actual.GetProperty(key), $"{path}.{key}", found);
                break;
            case JsonValueKind.Array:
                if (expected.GetArrayLength() != actual.GetArrayLength())
                {
                    found.Add($"{path}: {expected.GetArrayLength()} elements expected, got {actual.GetArrayLength()}");
                    return;
                }
                for (var i = 0; i < expected.GetArrayLength(); i++)
                    Compare(expected[i], actual[i], $"{path}[{i}]", found);
                break;
            case JsonValueKind.Number:
                double e = expected.GetDouble(), a = actual.GetDouble();
                if (Math.Abs(e - a) > 1e-12 * Math.Max(1, Math.Max(Math.Abs(e), Math.Abs(a))))
                    found.Add($"{path}: expected {e:R}, got {a:R}");
                break;
            case JsonValueKind.String:
                if (expected.GetString() != actual.GetString())
                    found.Add($"{path}: expected \"{expected.GetString()}\", got \"{actual.GetString()}\"");
                break;
            case JsonValueKind.True or JsonValueKind.False:
                if (expected.GetBoolean() != actual.GetBoolean())
                    found.Add($"{path}: expected {expected.GetBoolean()}, got {actual.GetBoolean()}");
                break;
        }
    }

    static bool IsBool(JsonElement e) => e.ValueKind is JsonValueKind.True or JsonValueKind.False;
}
