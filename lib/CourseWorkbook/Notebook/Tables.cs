using System.Globalization;
using System.Reflection;

namespace CourseWorkbook.Notebook;

/// <summary>Rows shown as one plain table (a column per public property), the way a student reads results.</summary>
public sealed record Table(IReadOnlyList<string> Columns, IReadOnlyList<string[]> Rows)
{
    /// <summary>Fixed-width text, for consoles and the text/plain view.</summary>
    public override string ToString()
    {
        var widths = Columns.Select((c, i) => Math.Max(c.Length, Rows.Count == 0 ? 0 : Rows.Max(r => r[i].Length)))
            .ToArray();
        string Line(IEnumerable<string> cells) =>
            string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        return string.Join(Environment.NewLine,
            new[] { Line(Columns), Line(widths.Select(w => new string('-', w))) }.Concat(Rows.Select(Line)));
    }

    /// <summary>An HTML table.</summary>
    public string ToHtml() => Formatters.Table(Columns, Rows);
}

/// <summary>Turns records, tuples or anonymous objects into a <see cref="Table"/>.</summary>
public static class Tables
{
    /// <summary>A table with one column per public property (or tuple field) of <typeparamref name="T"/>.</summary>
    public static Table ToTable<T>(this IEnumerable<T> rows, int digits = 4)
    {
        var type = typeof(T);
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0).ToArray();
        var fields = properties.Length == 0 ? type.GetFields(BindingFlags.Public | BindingFlags.Instance) : [];
        var columns = properties.Length > 0
            ? properties.Select(p => p.Name).ToArray()
            : fields.Select(f => f.Name).ToArray();
        var cells = rows.Select(row => properties.Length > 0
            ? properties.Select(p => Cell(p.GetValue(row), digits)).ToArray()
            : fields.Select(f => Cell(f.GetValue(row), digits)).ToArray()).ToList();
        return new Table(columns, cells);
    }

    static string Cell(object? value, int digits) => value switch
    {
        null => "",
        double d => Math.Round(d, digits).ToString(CultureInfo.InvariantCulture),
        float f => Math.Round(f, digits).ToString(CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
