using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>Where the normalisation sits relative to the residual connection.</summary>
public enum NormPlacement
{
    /// <summary>
    /// x + F(LN(x)) — GPT-2, Llama: the residual stream is never normalised, deep stacks train stably.
    /// </summary>
    Pre,
    /// <summary>LN(x + F(x)) — the original Transformer and BERT.</summary>
    Post,
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
    public TransformerBlock(
        nn.Module<Tensor, Tensor> ln_1, nn.Module<Tensor, Tensor> attn,
        nn.Module<Tensor, Tensor> ln_2, nn.Module<Tensor, Tensor> mlp,
        NormPlacement placement = NormPlacement.Pre)
        : base(nameof(TransformerBlock))
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

    /// <summary>Pre-norm (GPT-2): h = x + Attn(LN₁(x)), y = h + MLP(LN₂(h)). Post-norm (the original transformer):
    /// h = LN₁(x + Attn(x)), y = LN₂(h + MLP(h)).</summary>
    public Tensor Forward(Tensor x, AttentionInputs inputs)
    {
        if (Placement == NormPlacement.Pre)
        {
            var h = x + Attention.Attend(ln_1.call(x), inputs);
            return h + mlp.call(ln_2.call(h));
        }

        var post = ln_1.call(x + Attention.Attend(x, inputs));
        return ln_2.call(post + mlp.call(post));
    }
}
