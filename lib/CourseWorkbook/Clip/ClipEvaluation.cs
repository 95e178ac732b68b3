using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Clip;

/// <summary>Zero-shot accuracy of a classifier built from prompts, on seen and held-out images.</summary>
public sealed record ZeroShotResult(double Accuracy, IReadOnlyList<string> Predicted, IReadOnlyList<string> Truth);

/// <summary>Retrieval in both directions: image→text and text→image recall@1 and @5.</summary>
public sealed record RetrievalRecall(double ImageToTextAt1, double ImageToTextAt5, double TextToImageAt1,
    double TextToImageAt5);

/// <summary>How CLIP is used once trained: zero-shot classification from prompt templates (Radford et al. 2021,
/// §3.1.4: each class name in every template, the text embeddings averaged) and cross-modal retrieval.</summary>
public static class ClipEvaluation
{
    /// <summary>The course's prompt: "a photo of a {}".</summary>
    public static readonly IReadOnlyList<string> PhotoTemplate = ["a photo of a {0}"];

    /// <summary>The bare label, no template.</summary>
    public static readonly IReadOnlyList<string> BareLabel = ["{0}"];

    /// <summary>An ensemble of prompts, averaged per class.</summary>
    public static readonly IReadOnlyList<string> Ensemble =
        ["a photo of a {0}", "a {0}", "the {0}", "a small {0}", "a large {0}"];

    /// <summary>Normalised text embeddings [N, P].</summary>
    public static Tensor TextEmbeddings(ClipModel model, ClipTokenizer tokenizer, IReadOnlyList<string> texts,
        int contextLength)
    {
        using var _ = torch.no_grad();
        var (ids, mask) = tokenizer.EncodeBatch(texts, contextLength);
        var shape = new long[] { texts.Count, contextLength };
        var features = model.GetTextFeatures(torch.tensor(ids, shape), torch.tensor(mask, shape));
        return nn.functional.normalize(features, p: 2, dim: 1);
    }

    /// <summary>Normalised image embeddings [N, P] of pixel values.</summary>
    public static Tensor ImageEmbeddings(ClipModel model, Tensor pixels)
    {
        using var _ = torch.no_grad();
        return nn.functional.normalize(model.GetImageFeatures(pixels), p: 2, dim: 1);
    }

    /// <summary>The zero-shot classifier's weights [C, P]: for each label, its prompts' embeddings averaged and
    /// renormalised.</summary>
    public static Tensor ClassEmbeddings(ClipModel model, ClipTokenizer tokenizer, IReadOnlyList<string> labels,
        IReadOnlyList<string> templates, int contextLength)
    {
        using var _ = torch.no_grad();
        var rows = labels.Select(label =>
        {
            var prompts = templates.Select(t => string.Format(CultureInfo.InvariantCulture, t, label)).ToList();
            return TextEmbeddings(model, tokenizer, prompts, contextLength).mean([0]);
        }).ToArray();
        return nn.functional.normalize(torch.stack(rows), p: 2, dim: 1);
    }

    /// <summary>Classifies each image as the label whose class embedding is the most similar.</summary>
    public static ZeroShotResult ZeroShot(ClipModel model, ClipTokenizer tokenizer, IReadOnlyList<ImageCaption> images,
        IReadOnlyList<string> labels, IReadOnlyList<string> templates, int contextLength)
    {
        using var scope = torch.NewDisposeScope();
        var classes = ClassEmbeddings(model, tokenizer, labels, templates, contextLength);
        var imageEmbeds = ImageEmbeddings(model, TinyClip.Pixels(images));
        var best = imageEmbeds.matmul(classes.t()).argmax(1).data<long>().ToArray();
        var predicted = best.Select(i => labels[(int)i]).ToList();
        var truth = images.Select(i => i.Scene.Label).ToList();
        return new ZeroShotResult(predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Count,
            predicted, truth);
    }

    /// <summary>CLIP's answer for one image and several texts: softmax over logits_per_image, HF's
    /// <c>outputs.logits_per_image.softmax(dim=1)</c>.</summary>
    public static double[] Probabilities(ClipModel model, ClipTokenizer tokenizer, Tensor pixels,
        IReadOnlyList<string> texts, int contextLength)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var (ids, mask) = tokenizer.EncodeBatch(texts, contextLength);
        var shape = new long[] { texts.Count, contextLength };
        var output = model.Forward(pixels, torch.tensor(ids, shape), torch.tensor(mask, shape));
        return output.LogitsPerImage.softmax(1)[0].to(ScalarType.Float64).data<double>().ToArray();
    }

    /// <summary>Recall@k both ways over a set of pairs: row i of the similarity matrix [images, texts] is image i,
    /// column j caption j. A retrieved item counts as a hit when its caption is the query's caption (two images
    /// of the world can share one: both are right answers).</summary>
    public static RetrievalRecall Recall(Tensor similarity, IReadOnlyList<string> captions)
    {
        double At(Tensor scores, int k)
        {
            var top = scores.topk(Math.Min(k, (int)scores.shape[1]), dim: 1).indexes.data<long>().ToArray();
            int width = Math.Min(k, (int)scores.shape[1]), hits = 0;
            for (int i = 0; i < captions.Count; i++)
                if (Enumerable.Range(0, width).Any(j => captions[(int)top[i * width + j]] == captions[i])) hits++;
            return hits / (double)captions.Count;
        }
        using var _ = torch.no_grad();
        return new RetrievalRecall(At(similarity, 1), At(similarity, 5), At(similarity.t(), 1), At(similarity.t(), 5));
    }

    /// <summary>Recall@k of a model on image–caption pairs.</summary>
    public static RetrievalRecall Recall(ClipModel model, ClipTokenizer tokenizer, IReadOnlyList<ImageCaption> pairs,
        int contextLength)
    {
        using var scope = torch.NewDisposeScope();
        var captions = pairs.Select(p => p.Caption).ToList();
        var similarity = ImageEmbeddings(model, TinyClip.Pixels(pairs))
            .matmul(TextEmbeddings(model, tokenizer, captions, contextLength).t());
        return Recall(similarity, captions);
    }
}
