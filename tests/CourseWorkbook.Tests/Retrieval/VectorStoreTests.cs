using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

public class VectorStoreTests
{
    private static readonly Document[] Corpus =
    [
        new("h1", "Crue de la Vilaine à Rennes", new DateOnly(2024, 1, 9), "météo"),
        new("h2", "L'OM chute face à Lens", new DateOnly(2024, 3, 8), "sport"),
        new("h3", "Nîmes sous les eaux", new DateOnly(2024, 3, 14), "météo", "fil"),
        new("h4", "Inflation à 2,6 % en mai", new DateOnly(2024, 5, 30), "économie"),
    ];

    /// <summary>A store of the whole corpus, saved at <paramref name="path"/>.</summary>
    private static async Task<VectorStore> SavedStoreAsync(string path)
    {
        var embedder = new CountingEmbedder();
        var store = VectorStore.Create(embedder, path);
        await store.IndexAsync(Corpus, embedder);
        store.Save();
        return store;
    }

    [Fact]
    public async Task Saved_store_loads_back_identical()
    {
        using var dir = new TempDir();
        var embedder = new CountingEmbedder();
        var store = VectorStore.Create(embedder, dir.File("s.cwvs"));
        await store.IndexAsync(Corpus, embedder);
        store.Save();

        var loaded = VectorStore.Load(dir.File("s.cwvs"));

        Assert.Equal("test/counting", loaded.EmbedderId);
        Assert.Equal(8, loaded.Dimensions);
        Assert.Equal(Corpus, loaded.Documents);
        for (var i = 0; i < Corpus.Length; i++) Assert.Equal(store.VectorAt(i).ToArray(), loaded.VectorAt(i).ToArray());
    }

    [Fact]
    public async Task Unchanged_texts_are_never_embedded_again()
    {
        using var dir = new TempDir();
        var first = new CountingEmbedder();
        var store = VectorStore.Open(dir.File("s.cwvs"), "test/counting");
        var report = await store.IndexAsync(Corpus, first);
        store.Save();
        Assert.Equal((4, 0), (report.Embedded, report.Reused));

        // A later run: same texts, one edited, one added, one removed.
        var second = new CountingEmbedder();
        var reopened = VectorStore.Open(dir.File("s.cwvs"), "test/counting");
        Document[] grown = [Corpus[0], Corpus[1] with { Text = "L'OM s'incline face à Lens" }, Corpus[3], new("h5", "Tempête Églantine en Bretagne")];
        var again = await reopened.IndexAsync(grown, second);

        Assert.Equal(2, second.TextsEmbedded);
        Assert.Equal((4, 2, 2), (again.Documents, again.Embedded, again.Reused));
        Assert.Equal(grown, reopened.Documents);
        Assert.Equal(Vectors.Normalized(CountingEmbedder.VectorOf(grown[3].Text, 8)), reopened.VectorAt(3).ToArray());

        var third = new CountingEmbedder();
        await reopened.IndexAsync(grown, third);
        Assert.Equal(0, third.Calls);
    }

    [Fact]
    public async Task IndexOnDisk_saves_the_store_so_a_second_run_embeds_nothing()
    {
        using var dir = new TempDir();
        var first = new CountingEmbedder();
        var (store, report) = await VectorStore.IndexOnDiskAsync(Corpus, first, dir.File("s.cwvs"));
        Assert.Equal((4, 0, 4), (report.Embedded, report.Reused, first.TextsEmbedded));
        Assert.Equal(Corpus, VectorStore.Load(dir.File("s.cwvs")).Documents);

        var second = new CountingEmbedder();
        var again = await VectorStore.IndexOnDiskAsync(Corpus, second, dir.File("s.cwvs"));
        Assert.Equal((0, 4, 0), (again.Report.Embedded, again.Report.Reused, second.TextsEmbedded));
        for (var i = 0; i < Corpus.Length; i++)
            Assert.Equal(store.VectorAt(i).ToArray(), again.Store.VectorAt(i).ToArray());
    }

    [Fact]
    public async Task A_crash_mid_write_leaves_the_previous_store_intact()
    {
        using var dir = new TempDir();
        var path = dir.File("s.cwvs");
        var embedder = new CountingEmbedder();
        var store = VectorStore.Create(embedder, path);
        await store.IndexAsync(Corpus[..2], embedder);
        store.Save();
        var before = File.ReadAllBytes(path);

        await store.IndexAsync(Corpus, embedder);
        Assert.Throws<IOException>(() => store.Save(path, s => new CrashingStream(s, 100)));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(Corpus[..2], VectorStore.Load(path).Documents);
        Assert.Equal(["s.cwvs"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Temp_files_left_by_a_killed_writer_are_removed_on_open()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File($"s.cwvs.tmp-{int.MaxValue}-abcd"), "half a store"); // no process has this id
        var store = VectorStore.Open(dir.File("s.cwvs"), "test/counting");
        Assert.Equal(0, store.Count);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Open_leaves_the_temp_file_of_a_save_in_progress_alone()
    {
        using var dir = new TempDir();
        var writing = dir.File($"s.cwvs.tmp-{Environment.ProcessId}-abcd"); // a writer that is still running
        File.WriteAllText(writing, "being written");
        VectorStore.Open(dir.File("s.cwvs"), "test/counting");
        Assert.True(File.Exists(writing));
    }

    [Fact]
    public void A_temp_file_is_abandoned_when_its_writer_is_gone_or_it_is_old()
    {
        using var dir = new TempDir();
        var dead = dir.File($"s.cwvs.tmp-{int.MaxValue}-abcd");
        var mine = dir.File($"s.cwvs.tmp-{Environment.ProcessId}-abcd");
        var odd = dir.File("s.cwvs.tmp-x");
        foreach (var f in new[] { dead, mine, odd }) File.WriteAllText(f, "");

        Assert.True(VectorStore.IsAbandoned(dead));
        Assert.False(VectorStore.IsAbandoned(mine));
        Assert.True(VectorStore.IsAbandoned(odd));
    }

    [Fact]
    public async Task A_store_can_be_replaced_while_it_is_being_read()
    {
        using var dir = new TempDir();
        var path = dir.File("s.cwvs");
        var store = await SavedStoreAsync(path);
        using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            store.Save(); // another run renames its new file over the one being read
        Assert.Equal(Corpus.Length, VectorStore.Load(path).Count);
    }

    [Fact]
    public async Task A_truncated_file_fails_with_its_path_and_offset()
    {
        using var dir = new TempDir();
        var path = dir.File("s.cwvs");
        var store = await SavedStoreAsync(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 60)]);

        var e = Assert.Throws<VectorStoreFormatException>(() => VectorStore.Load(path));

        Assert.Equal(path, e.FilePath);
        Assert.InRange(e.Offset, 1, bytes.Length);
        Assert.Contains(path, e.Message);
        Assert.Contains($"offset {e.Offset}", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public async Task A_flipped_byte_fails_the_checksum()
    {
        using var dir = new TempDir();
        var path = dir.File("s.cwvs");
        var store = await SavedStoreAsync(path);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length - 50] ^= 0x40; // inside the last vector
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<VectorStoreFormatException>(() => VectorStore.Load(path));
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_store_fails_at_offset_zero()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("s.cwvs"), "{ \"not\": \"a store\" }");
        var e = Assert.Throws<VectorStoreFormatException>(() => VectorStore.Load(dir.File("s.cwvs")));
        Assert.Equal(0, e.Offset);
    }

    [Theory]
    [InlineData(0, 1 << 30)]      // zero-width vectors: the old check let any count through to the allocation
    [InlineData(4, 100_000_000)]  // more records than the file could hold
    [InlineData(-1, 1)]
    public async Task A_header_that_claims_more_than_the_file_holds_fails_before_allocating(int dims, int count)
    {
        using var dir = new TempDir();
        var path = dir.File("s.cwvs");
        var store = await SavedStoreAsync(path);
        var bytes = File.ReadAllBytes(path);
        // The header: magic, version (int32), embedder id (length-prefixed string), dims, count.
        var idLength = bytes[12];
        var dimsAt = 12 + 1 + idLength;
        BitConverter.TryWriteBytes(bytes.AsSpan(dimsAt), dims);
        BitConverter.TryWriteBytes(bytes.AsSpan(dimsAt + 4), count);
        File.WriteAllBytes(path, bytes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<VectorStoreFormatException>(() => VectorStore.Load(path));

        Assert.Contains("implausible header", e.Message);
        Assert.Equal(12 + 1 + idLength, e.Offset);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000, "nothing large was allocated");
        var warnings = new List<string>();
        Assert.Equal(0, VectorStore.Open(path, "test/counting", warnings.Add).Count);
        Assert.Contains("Rebuilding", Assert.Single(warnings));
    }

    [Fact]
    public async Task Open_rebuilds_a_corrupt_store_with_a_warning()
    {
        using var dir = new TempDir();
        var path = dir.File("s.cwvs");
        var store = await SavedStoreAsync(path);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..40]);
        var warnings = new List<string>();

        var rebuilt = VectorStore.Open(path, "test/counting", warnings.Add);
        var fresh = new CountingEmbedder();
        await rebuilt.IndexAsync(Corpus, fresh);
        rebuilt.Save();

        Assert.Single(warnings);
        Assert.Contains(path, warnings[0]);
        Assert.Contains("Rebuilding", warnings[0]);
        Assert.Equal(4, fresh.TextsEmbedded);
        Assert.Equal(Corpus, VectorStore.Load(path).Documents);
    }

    [Fact]
    public async Task A_store_of_another_embedder_is_not_reused()
    {
        using var dir = new TempDir();
        var path = dir.File("s.cwvs");
        var embedder = new CountingEmbedder("model-a");
        var store = VectorStore.Create(embedder, path);
        await store.IndexAsync(Corpus, embedder);
        store.Save();
        var warnings = new List<string>();

        var other = VectorStore.Open(path, "test/model-b", warnings.Add);

        Assert.Equal(0, other.Count);
        Assert.Contains("test/model-a", Assert.Single(warnings));
        await Assert.ThrowsAsync<InvalidOperationException>(() => other.IndexAsync(Corpus, embedder));
    }

    [Fact]
    public async Task Search_filters_by_date_range_and_section_before_ranking()
    {
        var embedder = new CountingEmbedder();
        var store = VectorStore.Create(embedder);
        await store.IndexAsync(Corpus, embedder);
        var query = store.VectorAt(1).ToArray(); // closest to h2 (March, sport)

        var march = store.Search(query, 10, new SearchFilter(DateRange.Month(2024, 3)));
        Assert.Equal("h2", march[0].Document.Id);
        Assert.Equal(["h2", "h3"], march.Select(h => h.Document.Id).Order());
        Assert.Equal(1.0, march[0].Score, 5);

        var marchWeather = store.Search(query, 10, new SearchFilter(DateRange.Month(2024, 3), "météo"));
        Assert.Equal(["h3"], marchWeather.Select(h => h.Document.Id));

        var spring = store.Search(query, 10, new SearchFilter(FrenchDates.Season("printemps", 2024)));
        Assert.Equal(["h2", "h3", "h4"], spring.Select(h => h.Document.Id).Order());
        Assert.Equal(4, store.Search(query, 10).Count);
    }

    [Fact]
    public void Undated_documents_never_pass_a_date_filter()
    {
        var filter = new SearchFilter(DateRange.Year(2024));
        Assert.False(filter.Matches(new Document("x", "sans date")));
        Assert.True(SearchFilter.None.Matches(new Document("x", "sans date")));
    }
}
