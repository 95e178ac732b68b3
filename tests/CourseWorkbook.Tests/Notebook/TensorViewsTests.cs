using CourseWorkbook.Notebook;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Notebook;

public class TensorViewsTests : TorchTest
{
    [Fact]
    public void Grid_keeps_rows_and_columns()
    {
        var grid = arange(6, dtype: ScalarType.Int32).reshape(2, 3).ToGrid();
        Assert.Equal(2, grid.GetLength(0));
        Assert.Equal(3, grid.GetLength(1));
        Assert.Equal(5.0, grid[1, 2]);
        Assert.Equal(1.0, grid[0, 1]);
    }

    [Fact]
    public void Doubles_follow_row_major_order_even_for_a_transposed_view()
    {
        var t = arange(6, dtype: ScalarType.Float32).reshape(2, 3).t();
        Assert.Equal(new double[] { 0, 3, 1, 4, 2, 5 }, t.ToDoubles());
        Assert.Throws<ArgumentException>(() => ones(2, 2, 2).ToGrid());
    }
}
