using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace CourseWorkbook.Embeddings;

/// <summary>
/// Practical 03's small embedder for its 1-D data: <c>Linear(1, hidden)</c>, ReLU, <c>Linear(hidden, output)</c>, as a
/// PyTorch <c>nn.Sequential</c> (parameters <c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, <c>2.bias</c>). The ReLU
/// lets it fold the line, which a linear map cannot: the reference answer of the practical's exercise.
/// </summary>
public static class TripletMlp
{
    /// <summary>A freshly initialised MLP (PyTorch's default init, from torch's global generator).</summary>
    public static Sequential Create(int hidden = 16, int output = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(output, 1);
        return Sequential(Linear(1, hidden), ReLU(), Linear(hidden, output));
    }
}
