using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace CourseWorkbook.Models;

/// <summary>A lookup table E ∈ ℝ^{V×d}: token id i becomes row i of E. Also used for learned positions (GPT-2's wpe,
/// BERT's position and token-type embeddings), which are the same operation indexed by position or segment.</summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    /// <summary>The table, shape [num_embeddings, dim] (HF key "weight").</summary>
    public Parameter weight;

    /// <summary>
    /// A table of <paramref name="count"/> vectors of size <paramref name="dim"/>, initialised N(0, 0.02²).
    /// </summary>
    public TokenEmbedding(long count, long dim, Device? device = null, ScalarType? dtype = null)
        : base(nameof(TokenEmbedding))
    {
        weight = new Parameter(torch.empty(new[] { count, dim }, dtype: dtype, device: device));
        using (torch.no_grad()) nn.init.normal_(weight, 0, 0.02);
        RegisterComponents();
    }

    /// <summary>ids [..] → vectors [.., dim].</summary>
    public override Tensor forward(Tensor ids)
    {
        var flat = weight.index_select(0, ids.reshape(-1));
        return flat.reshape(ids.shape.Append(weight.shape[1]).ToArray());
    }
}
