using static TorchSharp.torch;

namespace CourseWorkbook.Notebook;

/// <summary>Small conversions from tensors to the plain arrays that charts and tables take.</summary>
public static class TensorViews
{
    /// <summary>The elements of a tensor (any shape, any numeric dtype) as doubles, in row-major order.</summary>
    public static double[] ToDoubles(this Tensor t)
    {
        using var d = t.detach().to_type(ScalarType.Float64).contiguous().cpu();
        return d.data<double>().ToArray();
    }

    /// <summary>A 2-D tensor as a double[rows, columns] grid (for heatmaps).</summary>
    public static double[,] ToGrid(this Tensor t)
    {
        if (t.dim() != 2)
            throw new ArgumentException($"a grid needs a 2-D tensor, got shape [{string.Join(", ", t.shape)}]");
        var values = t.ToDoubles();
        int rows = (int)t.shape[0], cols = (int)t.shape[1];
        var grid = new double[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                grid[r, c] = values[r * cols + c];
        return grid;
    }
}
