using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CourseWorkbook.Embeddings;

/// <summary>
/// The contrastive (ranking) losses of the course, written as their equations. Each takes embeddings, not
/// inputs, and returns the mean loss over the batch.
/// </summary>
public static class ContrastiveLosses
{
    /// <summary>
    /// Pairwise margin loss (Hadsell, Chopra, LeCun 2006) for siamese networks:
    /// L = y·d² + (1−y)·max(0, m − d)², with d = ‖x₁ − x₂‖₂ and y = 1 for a similar pair, 0 for a dissimilar one.
    /// Similar pairs are pulled together; dissimilar pairs are pushed apart until they are at least m away.
    /// </summary>
    public static Tensor PairwiseMargin(Tensor x1, Tensor x2, Tensor similar, double margin = 1.0)
    {
        var d = EuclideanDistance(x1, x2);
        var y = similar.to_type(d.dtype);
        var pull = y * d.pow(2);
        var push = (1 - y) * functional.relu(margin - d).pow(2);
        return (pull + push).mean();
    }

    /// <summary>
    /// Triplet margin loss (Schroff et al. 2015, FaceNet): L = max(0, d(a, p) − d(a, n) + m). The anchor must be
    /// closer to the positive than to the negative by at least the margin m. Matches
    /// <c>torch.nn.functional.triplet_margin_loss</c> with p = 2.
    /// </summary>
    public static Tensor Triplet(Tensor anchor, Tensor positive, Tensor negative, double margin = 1.0)
    {
        var dPositive = EuclideanDistance(anchor, positive);
        var dNegative = EuclideanDistance(anchor, negative);
        return functional.relu(dPositive - dNegative + margin).mean();
    }

    /// <summary>
    /// InfoNCE with in-batch negatives (van den Oord et al. 2018; the loss of SimCLR, CLIP, SBERT's
    /// MultipleNegativesRanking): row i of <paramref name="queries"/> should match row i of <paramref name="keys"/>
    /// among all rows. logits = cos(qᵢ, kⱼ) / τ; L = cross-entropy(logits, i). With <paramref name="symmetric"/>,
    /// the key→query direction is averaged in, as CLIP does. <paramref name="hardNegatives"/> [M, D] (supervised
    /// SimCSE, Gao et al. 2021) are extra keys that match no query: each query must also beat all of them.
    /// </summary>
    public static Tensor InfoNce(Tensor queries, Tensor keys, double temperature = 0.07, bool symmetric = false,
        Tensor? hardNegatives = null)
    {
        var q = functional.normalize(queries, p: 2, dim: 1);
        var k = functional.normalize(keys, p: 2, dim: 1);
        var logits = q.matmul(k.t()) / temperature;
        var targets = arange(logits.shape[0], dtype: ScalarType.Int64, device: logits.device);
        var withHard = hardNegatives is null || hardNegatives.shape[0] == 0
            ? logits
            : cat([logits, q.matmul(functional.normalize(hardNegatives, p: 2, dim: 1).t()) / temperature], 1);
        var loss = functional.cross_entropy(withHard, targets);
        return symmetric ? (loss + functional.cross_entropy(logits.t(), targets)) / 2 : loss;
    }

    /// <summary>
    /// CLIP's loss (Radford et al. 2021): the symmetric InfoNCE above with a <b>learnable</b> temperature.
    /// logits = exp(s)·cos(qᵢ, kⱼ) where s = <paramref name="logitScale"/> (a scalar parameter, CLIP's logit_scale,
    /// initialised at ln(1/0.07) and clamped at ln 100 so that 1/τ never exceeds 100); the loss is the mean of the
    /// image→text and text→image cross-entropies. The gradient reaches s, so training learns τ.
    /// </summary>
    public static Tensor InfoNce(Tensor queries, Tensor keys, Tensor logitScale,
        double maxLogitScale = 4.605170185988092)
    {
        var q = functional.normalize(queries, p: 2, dim: 1);
        var k = functional.normalize(keys, p: 2, dim: 1);
        var logits = q.matmul(k.t()) * logitScale.clamp_max(maxLogitScale).exp();
        var targets = arange(logits.shape[0], dtype: ScalarType.Int64, device: logits.device);
        return (functional.cross_entropy(logits, targets) + functional.cross_entropy(logits.t(), targets)) / 2;
    }

    /// <summary>Row-wise Euclidean distance ‖a − b‖₂ (with a tiny ε inside the root so the gradient exists at 0,
    /// as PyTorch's pairwise_distance does).</summary>
    public static Tensor EuclideanDistance(Tensor a, Tensor b, double eps = 1e-6) =>
        (a - b + eps).pow(2).sum(1).sqrt();
}
