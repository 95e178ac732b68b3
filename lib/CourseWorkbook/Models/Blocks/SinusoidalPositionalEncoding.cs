using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>The fixed positional encoding of "Attention Is All You Need":
/// PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)); added to the token embeddings.
/// </summary>
public sealed class SinusoidalPositionalEncoding : nn.Module<Tensor, Tensor>
{
    readonly Tensor pe;

    /// <summary>
    /// Precomputes the table for <paramref name="maxLength"/> positions of width <paramref name="dim"/> (even).
    /// </summary>
    public SinusoidalPositionalEncoding(int maxLength, int dim, Device? device = null)
        : base(nameof(SinusoidalPositionalEncoding))
    {
        pe = Table(maxLength, dim).to(device ?? torch.CPU);
        register_buffer(nameof(pe), pe, persistent: false);
        RegisterComponents();
    }

    /// <summary>The [maxLength, dim] table, computed in float64 and returned as float32.</summary>
    public static Tensor Table(int maxLength, int dim)
    {
        if (dim % 2 != 0) throw new ArgumentException($"dim must be even, got {dim}", nameof(dim));
        var table = new float[maxLength * dim];
        for (int pos = 0; pos < maxLength; pos++)
            for (int i = 0; i < dim / 2; i++)
            {
                double angle = pos / Math.Pow(10000, 2.0 * i / dim);
                table[pos * dim + 2 * i] = (float)Math.Sin(angle);
                table[pos * dim + 2 * i + 1] = (float)Math.Cos(angle);
            }
        return torch.tensor(table, new long[] { maxLength, dim });
    }

    /// <summary>x [B, T, d] → x + PE[0..T).</summary>
    public override Tensor forward(Tensor x) => x + pe.narrow(0, 0, x.shape[^2]);
}
