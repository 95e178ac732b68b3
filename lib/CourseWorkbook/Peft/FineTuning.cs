using System.Diagnostics;
using CourseWorkbook.Data;
using CourseWorkbook.Models;
using CourseWorkbook.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>One fine-tuning budget shared by every method: optimizer steps, sequences per batch, learning rate,
/// held-out evaluations every <see cref="EvalEvery"/> steps, the data order's seed.</summary>
public sealed record FineTuneSettings(int Steps = 60, int BatchSize = 8, double LearningRate = 1e-3,
    int EvalEvery = 10, long PadId = 0, int Seed = 42);

/// <summary>What a method costs and gives: trainable parameters, bytes measured after its last step, the loss on
/// held-out text of the new domain and on the original kind of text, before and after, and the seconds taken.
/// <paramref name="Run"/> records the training loss and the target-domain held-out loss; <paramref name="Original"/>
/// the held-out loss on the original kind of text at the same steps.</summary>
public sealed record FineTuneResult(string Method, long TrainableParameters, MemoryUse Memory, double TargetBefore,
    double TargetAfter, double OriginalBefore, double OriginalAfter, double Seconds, TrainingRun Run,
    TrainingRun Original)
{
    /// <summary>How much worse the model got on the original kind of text (nats per token; &gt; 0 = forgot).</summary>
    public double Forgetting => OriginalAfter - OriginalBefore;
    /// <summary>How much better it got on the new domain (nats per token).</summary>
    public double Gain => TargetBefore - TargetAfter;
}

/// <summary>A plain, tested fine-tuning loop for the PEFT comparisons: AdamW over the parameters that require
/// gradients (or a given optimizer), right-padded batches from <see cref="CausalLmCollator"/>, the loss from
/// <see cref="CausalLmLoss"/>, held-out evaluation in eval mode.</summary>
public static class FineTuning
{
    /// <summary>Mean loss per predicted token of <paramref name="sequences"/> (one batch, eval mode, no
    /// grad).</summary>
    public static double HeldOutLoss(LlamaForCausalLM model, IReadOnlyList<long[]> sequences, long padId = 0)
    {
        bool training = model.training;
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var batch = CausalLmCollator.Collate(sequences, padId);
        var loss = CausalLmLoss.Compute(model.Forward(batch.input_ids, batch.attention_mask, batch.position_ids),
            batch.labels).to(ScalarType.Float64).item<double>();
        if (training) model.train();
        return loss;
    }

    /// <summary>Text of the model's own domain, written by the model itself: <paramref name="count"/> sequences
    /// sampled together from BOS at temperature 1 with a generator seeded by <paramref name="seed"/>, each BOS + up
    /// to <paramref name="maxLength"/> − 1 tokens, cut after its first EOS. Their loss measures how far fine-tuning
    /// moved the model from what it learned in pretraining, when its pretraining text is not at hand.</summary>
    public static List<long[]> OwnSamples(LlamaForCausalLM model, int count, int maxLength, int seed = 1000,
        int bosId = 1, int eosId = 2)
    {
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var ids = full(new long[] { count, 1 }, bosId, dtype: int64);
        for (int t = 1; t < maxLength; t++)
        {
            var probabilities = nn.functional.softmax(model.Forward(ids)[.., -1, ..].to(float64), -1);
            ids = cat([ids, multinomial(probabilities, 1, generator: generator)], 1);
        }
        var rows = ids.data<long>().ToArray();
        return Enumerable.Range(0, count).Select(i =>
        {
            var row = rows.AsSpan(i * maxLength, maxLength).ToArray();
            int eos = Array.IndexOf(row, (long)eosId, 1);
            return eos < 0 ? row : row[..(eos + 1)];
        }).ToList();
    }

    /// <summary>AdamW (no weight decay) over the trainable parameters of <paramref name="model"/>.</summary>
    public static optim.Optimizer AdamW(nn.Module model, double lr) =>
        optim.AdamW(Trainable.Parameters(model).Select(p => p.Parameter), lr: lr, weight_decay: 0);

    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/> with <paramref name="settings"/> and
    /// measures it. <paramref name="beforeStep"/> and <paramref name="afterStep"/> run around each optimizer step
    /// (Delta-LoRA uses them); <paramref name="extraWeightBytes"/> is storage outside the parameters.</summary>
    public static FineTuneResult Run(string method, LlamaForCausalLM model, IReadOnlyList<long[]> train,
        IReadOnlyList<long[]> targetHeldOut, IReadOnlyList<long[]> original, FineTuneSettings settings,
        optim.Optimizer? optimizer = null, Action? beforeStep = null, Action? afterStep = null,
        long extraWeightBytes = 0)
    {
        double targetBefore = HeldOutLoss(model, targetHeldOut, settings.PadId);
        double originalBefore = HeldOutLoss(model, original, settings.PadId);
        optimizer ??= AdamW(model, settings.LearningRate);
        var loader = new DataLoader<long[], CausalLmBatch>(train, settings.BatchSize,
            rows => CausalLmCollator.Collate(rows, settings.PadId), shuffle: true, seed: settings.Seed);
        var run = new TrainingRun(method, settings.BatchSize);
        var originalRun = new TrainingRun(method + " (original text)", settings.BatchSize);
        var clock = Stopwatch.StartNew();
        model.train();
        int step = 0;
        foreach (var batch in loader.Forever().Take(settings.Steps))
        {
            using var scope = NewDisposeScope();
            if (step % settings.EvalEvery == 0)
            {
                run.Validate(step, HeldOutLoss(model, targetHeldOut, settings.PadId));
                originalRun.Validate(step, HeldOutLoss(model, original, settings.PadId));
            }
            optimizer.zero_grad();
            var loss = CausalLmLoss.Compute(model.Forward(batch.input_ids, batch.attention_mask, batch.position_ids),
                batch.labels);
            loss.backward();
            beforeStep?.Invoke();
            optimizer.step();
            afterStep?.Invoke();
            double value = loss.to(ScalarType.Float64).item<double>();
            if (!double.IsFinite(value)) throw new InvalidOperationException($"{method}: loss {value} at step {step}");
            run.Step(step, batch.Tokens, value, model.training);
            step++;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var memory = MemoryUse.Measure(model, optimizer, extraWeightBytes);
        double targetAfter = HeldOutLoss(model, targetHeldOut, settings.PadId);
        run.Validate(step, targetAfter);
        double originalAfter = HeldOutLoss(model, original, settings.PadId);
        originalRun.Validate(step, originalAfter);
        model.eval();
        return new FineTuneResult(method, Trainable.Count(model), memory, targetBefore, targetAfter, originalBefore,
            originalAfter, seconds, run, originalRun);
    }
}
