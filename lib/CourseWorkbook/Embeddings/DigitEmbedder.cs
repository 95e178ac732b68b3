using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CourseWorkbook.Embeddings;

/// <summary>
/// A small ConvNet that maps a 28×28 digit to a point in a low-dimensional embedding space (2-D, to be plotted).
/// The same network is trained three ways in the triplet-loss practical: with cross-entropy (through a linear
/// classifier on top of the embedding), as a siamese net (pairwise margin loss) and as a triplet net.
/// </summary>
public sealed class DigitEmbedder : Module<Tensor, Tensor>
{
    public readonly Conv2d conv1;
    public readonly Conv2d conv2;
    public readonly Linear fc1;
    public readonly Linear fc2;

    /// <summary>Creates the network with an <paramref name="embeddingDim"/>-dimensional output.</summary>
    public DigitEmbedder(int embeddingDim = 2) : base(nameof(DigitEmbedder))
    {
        conv1 = Conv2d(1, 16, 5);   // 28 → 24, pooled to 12
        conv2 = Conv2d(16, 32, 5);  // 12 → 8, pooled to 4
        fc1 = Linear(32 * 4 * 4, 64);
        fc2 = Linear(64, embeddingDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = functional.max_pool2d(functional.relu(conv1.forward(x)), 2);
        x = functional.max_pool2d(functional.relu(conv2.forward(x)), 2);
        x = functional.relu(fc1.forward(x.flatten(1)));
        return fc2.forward(x);
    }
}
