using CourseWorkbook.Embeddings;
using CourseWorkbook.Retrieval;
using Microsoft.Extensions.AI;

namespace CourseWorkbook.Tests.Embeddings;

public class EncoderEmbeddingGeneratorTests : TorchTest
{
    static readonly string[] Texts = ["A cat sleeps on the sofa.", "The kitten naps on the couch.", "Stocks fell today."];

    [Fact]
    public async Task It_returns_the_encoders_own_vectors_in_order_across_batches_and_names_the_encoder()
    {
        var encoder = WorkbookEncoders.Load("contrastive");
        using var generator = new EncoderEmbeddingGenerator(encoder, batchSize: 2);

        var embeddings = await generator.GenerateAsync(Texts);
        var direct = encoder.Embed(Texts);

        Assert.Equal(3, embeddings.Count);
        // Batches of 2 pad differently from one batch of 3: the same vectors up to float rounding.
        for (var i = 0; i < Texts.Length; i++)
            Assert.All(direct[i].Zip(embeddings[i].Vector.ToArray()), p => Assert.Equal(p.First, p.Second, 1e-5));
        Assert.Equal("workbook/contrastive", Embedders.IdOf(generator));
    }

    [Fact]
    public async Task A_dense_retriever_over_it_finds_the_paraphrase_first()
    {
        var encoder = WorkbookEncoders.Load("contrastive");
        using var generator = new EncoderEmbeddingGenerator(encoder);
        var corpus = Texts.Skip(1).Select((t, i) => new Document($"d{i}", t)).ToList();
        var store = VectorStore.Create(generator);
        await store.IndexAsync(corpus, generator);

        var hits = await new DenseRetriever(generator, store).SearchAsync(Texts[0], 2);

        Assert.Equal("d0", hits[0].Document.Id);
    }
}
