using CourseWorkbook.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>
/// A sentence classifier on a pretrained BERT encoder: the sentence embedding exactly as sentence-transformers makes
/// it (mean of the last hidden states over the real tokens, then L2-normalised), then a linear head over the classes.
/// Names follow Hugging Face's BertForSequenceClassification ("bert.encoder.layer.0.attention.self.query",
/// "classifier"), so peft's target names fit. The encoder has no pooler: mean pooling never reads it.
/// </summary>
public sealed class SentenceClassifier : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>The encoder (a copy of the pretrained one, without its pooler).</summary>
    public BertModel bert;
    /// <summary>The head: sentence embedding [H] → one logit per class.</summary>
    public Linear classifier;

    SentenceClassifier(BertModel bert, Linear classifier) : base(nameof(SentenceClassifier))
    {
        this.bert = bert;
        this.classifier = classifier;
        RegisterComponents();
    }

    /// <summary>A classifier over <paramref name="classes"/> classes on a copy of <paramref name="pretrained"/>'s
    /// weights (the original is left untouched). The head is drawn after torch.manual_seed(<paramref name="seed"/>)
    /// with PyTorch's default Linear initialisation; the model is in eval mode.</summary>
    public static SentenceClassifier FromPretrained(BertModel pretrained, int classes, int seed = 42)
    {
        if (classes < 2)
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "a classifier needs at least 2 classes");
        var bert = new BertModel(pretrained.Config, addPoolingLayer: false);
        var source = pretrained.state_dict();
        using (no_grad())
            foreach (var (name, target) in bert.state_dict())
            {
                if (!source.TryGetValue(name, out var value))
                    throw new ArgumentException($"the pretrained encoder has no tensor '{name}'", nameof(pretrained));
                if (!value.shape.SequenceEqual(target.shape))
                    throw new ArgumentException($"{name}: pretrained shape [{string.Join(", ", value.shape)}], "
                        + $"expected [{string.Join(", ", target.shape)}]", nameof(pretrained));
                target.copy_(value);
            }
        torch.manual_seed(seed);
        var head = nn.Linear(pretrained.Config.HiddenSize, classes);
        var model = new SentenceClassifier(bert, head);
        model.eval();
        return model;
    }

    /// <summary>Number of classes.</summary>
    public long Classes => classifier.weight!.shape[0];

    /// <summary>ids, attention mask [B, T] → sentence embeddings [B, H]: mean over the real tokens, unit
    /// length.</summary>
    public Tensor Embed(Tensor ids, Tensor attentionMask) =>
        nn.functional.normalize(BertModel.MeanPool(bert.Forward(ids, attentionMask), attentionMask), p: 2, dim: 1);

    /// <summary>ids, attention mask [B, T] → logits [B, classes].</summary>
    public override Tensor forward(Tensor ids, Tensor attentionMask) => classifier.call(Embed(ids, attentionMask));
}
