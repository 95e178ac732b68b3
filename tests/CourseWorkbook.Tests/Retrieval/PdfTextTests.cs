using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

public class PdfTextTests
{
    [Fact]
    public void Text_written_to_a_pdf_is_extracted_back_with_accents()
    {
        using var dir = new TempDir();
        var path = dir.File("guide.pdf");
        PdfText.WriteSimplePdf(path, "Règlement de la médiathèque",
            ["# Article 1 — Prêt", "Chaque lecteur peut emprunter dix documents pendant trois semaines.", "Les DVD se prêtent une semaine."]);

        var pages = PdfText.ExtractPages(path);

        var page = Assert.Single(pages);
        Assert.Equal(1, page.Page);
        var text = page.Text;
        Assert.Contains("Règlement de la médiathèque", text);
        Assert.Contains("Chaque lecteur peut emprunter dix documents pendant trois semaines.", text);
        Assert.Contains("Les DVD se prêtent une semaine.", text);
    }

    [Fact]
    public void Long_text_flows_onto_several_pages_and_chunks_know_their_page()
    {
        using var dir = new TempDir();
        var path = dir.File("long.pdf");
        var paragraphs = Enumerable.Range(1, 40).Select(i => $"Paragraphe {i} : la médiathèque prête des livres, des revues et des disques aux lecteurs inscrits.").ToList();
        PdfText.WriteSimplePdf(path, "Long document", paragraphs);

        var pages = PdfText.ExtractPages(path);
        var docs = PdfText.ToDocuments(path, new ChunkOptions(300, 60), "règlement");

        Assert.True(pages.Count >= 2, $"{pages.Count} page(s)");
        Assert.Contains("Paragraphe 40", string.Join(" ", pages.Select(p => p.Text)));
        Assert.Equal("long.pdf#c0", docs[0].Id);
        Assert.Equal("long.pdf p. 1", docs[0].Source);
        Assert.All(docs, d => Assert.True(d.Text.Length <= 300));
        Assert.All(docs, d => Assert.Equal("règlement", d.Section));
        Assert.Contains(docs, d => d.Source == $"long.pdf p. {pages.Count}");
    }

    [Fact]
    public async Task The_rulebook_exercise_pdf_answers_a_question()
    {
        var docs = PdfText.ToDocuments(RagData.RulebookPdf(), new ChunkOptions(400, 80));
        var bm25 = new Bm25Retriever(docs);
        var top = await bm25.SearchAsync("Combien de temps peut-on garder un DVD emprunté ?", 3);
        Assert.Contains(top, h => h.Document.Text.Contains("une semaine pour les DVD"));
        Assert.DoesNotContain(docs, d => d.Text.Contains("  "));
    }
}
