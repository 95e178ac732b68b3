using CourseWorkbook.Retrieval;
using Microsoft.Extensions.AI;

namespace CourseWorkbook.Tests.Retrieval;

public class LsaEmbedderTests
{
    private static readonly string[] Texts =
    [
        "Crue de la Vilaine : Rennes inondée",
        "Inondations à Nîmes après des pluies diluviennes",
        "La Saône en crue, les quais de Lyon inondés",
        "L'OM s'impose face à Lens au Vélodrome",
        "Le PSG bat Lyon au Parc des Princes",
        "L'inflation ralentit à 2,2 % en avril",
        "Les prix à la consommation augmentent de 2,6 % en mai",
    ];

    [Fact]
    public async Task Embeddings_are_unit_vectors_of_the_fitted_size()
    {
        var lsa = LsaEmbedder.Fit(Texts, new LsaOptions(Dimensions: 4));
        var embeddings = await lsa.GenerateAsync(["Rennes sous les eaux", "zzzz qqqq"]);
        Assert.Equal(4, lsa.Dimensions);
        Assert.Equal(4, embeddings[0].Vector.Length);
        Assert.Equal(1f, Vectors.Cosine(embeddings[0].Vector.Span, embeddings[0].Vector.Span), 5);
        Assert.All(embeddings[1].Vector.ToArray(), x => Assert.Equal(0f, x)); // nothing in common with the corpus
        Assert.InRange(lsa.ExplainedVariance, 0.01, 1.0);
    }

    [Fact]
    public void Fitting_twice_gives_the_same_model_and_vectors()
    {
        var a = LsaEmbedder.Fit(Texts, new LsaOptions(Dimensions: 5));
        var b = LsaEmbedder.Fit(Texts, new LsaOptions(Dimensions: 5));
        Assert.Equal(a.ModelId, b.ModelId);
        Assert.Equal(a.Embed("crue à Lyon"), b.Embed("crue à Lyon"));
        Assert.NotEqual(a.ModelId, LsaEmbedder.Fit(Texts.Skip(1), new LsaOptions(Dimensions: 5)).ModelId);
    }

    [Fact]
    public void Inflected_words_land_near_their_documents()
    {
        var lsa = LsaEmbedder.Fit(Texts, new LsaOptions(Dimensions: 7));
        var query = lsa.Embed("inondations");
        var scores = Texts.Select(t => Vectors.Cosine(lsa.Embed(t), query)).ToList();
        Assert.Equal(1, scores.IndexOf(scores.Max()));                     // « Inondations à Nîmes »
        Assert.True(scores[0] > scores[3] && scores[2] > scores[4], string.Join(" ", scores)); // inondée, inondés beat football
    }

    [Fact]
    public void Metadata_names_the_offline_model()
    {
        var lsa = LsaEmbedder.Fit(Texts, new LsaOptions(Dimensions: 3));
        var meta = lsa.GetService<EmbeddingGeneratorMetadata>();
        Assert.Equal("offline", meta?.ProviderName);
        Assert.Equal(3, meta?.DefaultModelDimensions);
        Assert.Equal($"offline/{lsa.ModelId}", Embedders.IdOf(lsa));
        Assert.StartsWith("lsa3-", lsa.ModelId);
    }
}
