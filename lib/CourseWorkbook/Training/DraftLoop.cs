using CourseWorkbook.Data;
using CourseWorkbook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Training;

/// <summary>
/// The draft trainer of practical 07 with its bugs 1..<c>fixedThrough</c> fixed, numbered as in the practical:
/// 1 labels shifted, 2 gradients zeroed, 3 train mode, 4 EOS kept (see <see cref="StoryCorpus.Encode"/>),
/// 5 batch-major reshape, 6 no target at padding, 7 attention mask, 8 position ids, 9 mean over tokens.
/// It is the reference each exercise falls back on when a student's fix is not done yet, so that the bugs after it
/// still show, one at a time. <c>fixedThrough</c> = 0 is the draft; 9 is the fixed trainer, which equals
/// <see cref="CausalLmCollator"/> (left padding) and <see cref="CausalLmLoss"/>.
/// </summary>
public static class DraftLoop
{
    /// <summary>The number of bugs in the draft.</summary>
    public const int Bugs = 9;

    /// <summary>The draft's collate function: left padding with <paramref name="padId"/>; labels a copy of the
    /// inputs, with −100 at padding and at each row's first token from fix 6; positions 0..T−1 in every row,
    /// counted from each row's first real token from fix 8.</summary>
    public static CausalLmBatch Collate(IReadOnlyList<long[]> rows, long padId, int fixedThrough)
    {
        ArgumentNullException.ThrowIfNull(rows);
        CheckStage(fixedThrough);
        if (rows.Count == 0) throw new ArgumentException("a batch needs at least one sequence", nameof(rows));
        if (rows.Any(r => r is null || r.Length == 0))
            throw new ArgumentException("every sequence needs at least one token", nameof(rows));
        int t = rows.Max(r => r.Length);
        var padded = rows.SelectMany(r => Enumerable.Repeat(padId, t - r.Length).Concat(r)).ToArray();
        var input_ids = tensor(padded, new long[] { rows.Count, t });
        var attention_mask = input_ids.ne(padId).to(ScalarType.Int64);
        var labels = fixedThrough >= 6
            ? input_ids.masked_fill(attention_mask.cumsum(-1).le(1), CausalLmCollator.IgnoreIndex)
            : input_ids.clone();
        var position_ids = fixedThrough >= 8
            ? (attention_mask.cumsum(-1) - 1).clamp_min(0)
            : arange(t).expand(rows.Count, t);
        return new CausalLmBatch(input_ids, attention_mask, labels, position_ids);
    }

    /// <summary>The draft's loss: the logits at t against the label at t (shifted to t + 1 from fix 1), flattened
    /// time-major (batch-major from fix 5), the model called without mask (with it from fix 7, with the position
    /// ids too from fix 8), averaged per sequence over all its positions (over the counted tokens from fix
    /// 9).</summary>
    public static Tensor ComputeLoss(LlamaForCausalLM model, CausalLmBatch batch, int fixedThrough)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        CheckStage(fixedThrough);
        var logits = fixedThrough switch
        {
            >= 8 => model.Forward(batch.input_ids, batch.attention_mask, batch.position_ids),
            7 => model.Forward(batch.input_ids, batch.attention_mask),
            _ => model.Forward(batch.input_ids),
        };
        long b = logits.shape[0], t = logits.shape[1], v = logits.shape[2];
        long n = fixedThrough >= 1 ? t - 1 : t;
        var predictions = logits.narrow(1, 0, n);
        var targets = batch.labels.narrow(1, t - n, n);
        var flat = fixedThrough >= 5 ? predictions.reshape(-1, v) : predictions.transpose(0, 1).reshape(-1, v);
        var perToken = nn.functional.cross_entropy(flat, targets.reshape(-1), reduction: nn.Reduction.None);
        return fixedThrough >= 9
            ? perToken.sum() / targets.ne(CausalLmCollator.IgnoreIndex).sum()
            : perToken.reshape(b, n).mean([1]).mean();
    }

    /// <summary>One optimizer step of the draft: forward, backward, <paramref name="monitor"/>'s BeforeStep, update;
    /// the gradients zeroed first from fix 2, the model put in train mode first from fix 3. Returns the
    /// loss.</summary>
    public static Tensor TrainStep(LlamaForCausalLM model, optim.Optimizer optimizer, CausalLmBatch batch,
        Func<LlamaForCausalLM, CausalLmBatch, Tensor> computeLoss, GradientMonitor? monitor, int fixedThrough)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(computeLoss);
        CheckStage(fixedThrough);
        if (fixedThrough >= 3) model.train();
        if (fixedThrough >= 2) optimizer.zero_grad();
        var loss = computeLoss(model, batch);
        loss.backward();
        monitor?.BeforeStep();
        optimizer.step();
        return loss;
    }

    static void CheckStage(int fixedThrough)
    {
        if (fixedThrough is < 0 or > Bugs)
            throw new ArgumentOutOfRangeException(nameof(fixedThrough), fixedThrough,
                $"the draft has bugs 1..{Bugs}: fixedThrough must be in 0..{Bugs}");
    }
}
