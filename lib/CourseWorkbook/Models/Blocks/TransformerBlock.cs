using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>Where the normalisation sits relative to the residual connection.</summary>
public enum NormPlacement
{
    /// <summary>x + F(LN(x)) — GPT-2, Llama: the residual stream is never normalised, deep stacks train stably.</summary>
    Pre,
    /// <summary>LN(x + F(x)) — the original Transformer and BERT.</summary>
    Post,
}

/// <summary>The residual sublayer connection in both placements.</summary>
public static class Residual
{
    /// <summary>Pre-norm: x + sublayer(norm(x)).</summary>
    public static Tensor PreNorm(Tensor x, Func<Tensor, Tensor> norm, Func<Tensor, Tensor> sublayer) => x + sublayer(norm(x));

    /// <summary>Post-norm: norm(x + sublayer(x)).</summary>
    public static Tensor PostNorm(Tensor x, Func<Tensor, Tensor> norm, Func<Tensor, Tensor> sublayer) => norm(x + sublayer(x));

    /// <summary>The connection for <paramref name="placement"/>.</summary>
    public static Tensor Apply(NormPlacement placement, Tensor x, Func<Tensor, Tensor> norm, Func<Tensor, Tensor> sublayer) =>
        placement == NormPlacement.Pre ? PreNorm(x, norm, sublayer) : PostNorm(x, norm, sublayer);
}

/// <summary>A transformer block: an attention sublayer then an MLP sublayer, each wrapped in a residual connection with
/// a norm before (pre-norm) or after (post-norm). Named as nanoGPT/GPT-2 name it: ln_1, attn, ln_2, mlp.</summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>The first norm.</summary>
    public nn.Module<Tensor, Tensor> ln_1;
    /// <summary>The attention sublayer (must implement <see cref="ISelfAttention"/>).</summary>
    public nn.Module<Tensor, Tensor> attn;
    /// <summary>The second norm.</summary>
    public nn.Module<Tensor, Tensor> ln_2;
    /// <summary>The feed-forward sublayer.</summary>
    public nn.Module<Tensor, Tensor> mlp;

    /// <summary>Assembles a block from its four parts.</summary>
    public TransformerBlock(nn.Module<Tensor, Tensor> ln_1, nn.Module<Tensor, Tensor> attn, nn.Module<Tensor, Tensor> ln_2,
        nn.Module<Tensor, Tensor> mlp, NormPlacement placement = NormPlacement.Pre) : base(nameof(TransformerBlock))
    {
        if (attn is not ISelfAttention) throw new ArgumentException("attn must implement ISelfAttention", nameof(attn));
        this.ln_1 = ln_1; this.attn = attn; this.ln_2 = ln_2; this.mlp = mlp;
        Placement = placement;
        RegisterComponents();
    }

    /// <summary>Pre- or post-norm.</summary>
    public NormPlacement Placement { get; }

    /// <summary>The attention sublayer as <see cref="ISelfAttention"/>.</summary>
    public ISelfAttention Attention => (ISelfAttention)attn;

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Forward(x, AttentionInputs.None);

    /// <summary>h = x + Attn(LN₁(x)); y = h + MLP(LN₂(h)) (pre-norm), or the post-norm equivalent.</summary>
    public Tensor Forward(Tensor x, AttentionInputs inputs)
    {
        var h = Residual.Apply(Placement, x, ln_1.call, a => Attention.Attend(a, inputs));
        return Residual.Apply(Placement, h, ln_2.call, mlp.call);
    }
}
