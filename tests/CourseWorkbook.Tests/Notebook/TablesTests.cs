using CourseWorkbook.Notebook;

namespace CourseWorkbook.Tests.Notebook;

public class TablesTests
{
    sealed record Row(string Model, double Accuracy, int Count);

    [Fact]
    public void Records_become_one_column_per_property_with_rounded_numbers()
    {
        var table = new[] { new Row("linear", 0.123456, 3), new Row("mlp", 1.0, 12) }.ToTable(digits: 3);
        Assert.Equal(["Model", "Accuracy", "Count"], table.Columns);
        Assert.Equal(["linear", "0.123", "3"], table.Rows[0]);
        var text = table.ToString().Split(Environment.NewLine);
        Assert.Equal("Model   Accuracy  Count", text[0]);
        Assert.Equal("mlp     1         12", text[3]);
        Assert.Contains("<td>linear</td>", table.ToHtml());
    }

    [Fact]
    public void Tuples_use_their_fields_and_html_is_escaped()
    {
        var table = new[] { (Name: "<b>", Value: 2.5) }.ToTable();
        Assert.Equal(["Item1", "Item2"], table.Columns);
        Assert.Contains("&lt;b&gt;", table.ToHtml());
    }
}
