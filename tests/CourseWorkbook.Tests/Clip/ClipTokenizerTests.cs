using CourseWorkbook.Clip;
using Xunit;

namespace CourseWorkbook.Tests.Clip;

/// <summary>The expected ids are derived by hand from CLIP's vocabulary layout: 188 printable byte symbols first
/// ('!' = 0 … '~' = 93, then ¡..¬ = 94..105, ®..ÿ = 106..187), then the 68 others (256 + n), the same 256 with
/// &lt;/w&gt; at +256, then one token per merge from 512, then &lt;|startoftext|&gt; and &lt;|endoftext|&gt;.</summary>
public sealed class ClipTokenizerTests
{
    // rank 0: l l, 1: h e, 2: he ll, 3: hell o</w>  →  "ll" 512, "he" 513, "hell" 514, "hello</w>" 515
    static readonly (string, string)[] Merges = [("l", "l"), ("h", "e"), ("he", "ll"), ("hell", "o</w>")];

    [Fact]
    public void Byte_symbols_follow_gpt2s_table_printable_bytes_first()
    {
        Assert.Equal(256, ClipTokenizer.ByteSymbolsInOrder.Distinct().Count());
        Assert.Equal('!', ClipTokenizer.ByteSymbolsInOrder[0]);
        Assert.Equal('Ā', ClipTokenizer.ByteToUnicode[0]);     // byte 0 is not printable: 256 + 0
        Assert.Equal('Ġ', ClipTokenizer.ByteToUnicode[' ']);   // the space is the 33rd non-printable byte: 256 + 32
        Assert.Equal('a', ClipTokenizer.ByteToUnicode['a']);
    }

    [Fact]
    public void Whole_words_merge_to_one_token_in_rank_order()
    {
        var tokenizer = ClipTokenizer.FromMerges(Merges);
        Assert.Equal(518, tokenizer.VocabSize);
        Assert.Equal(516, tokenizer.StartId);
        Assert.Equal(517, tokenizer.EndId);
        Assert.Equal(["hello</w>", "hello</w>", "!</w>"], tokenizer.Tokenize("  Hello\n\tHELLO!"));
        Assert.Equal([515, 515, 256], tokenizer.EncodeIds("hello hello!"));
    }

    [Fact]
    public void A_word_the_merges_do_not_complete_stays_in_pieces()
    {
        var tokenizer = ClipTokenizer.FromMerges(Merges);
        // h e l p</w>: (h, e) is the only applicable merge; (he, l) is not a merge.
        Assert.Equal(["he", "l", "p</w>"], tokenizer.Tokenize("help"));
        Assert.Equal([513, 'l' - 33, 256 + 'p' - 33], tokenizer.EncodeIds("help"));
        // "hellol": l l merges first (rank 0) at the first pair only, then he+ll, then nothing joins hell, o, l</w>
        Assert.Equal(["hell", "o", "l</w>"], tokenizer.Tokenize("hellol"));
    }

    [Fact]
    public void Non_ascii_text_becomes_its_utf8_bytes_each_a_symbol()
    {
        var tokenizer = ClipTokenizer.FromMerges(Merges);
        // é = C3 A9: Ã (0xC3) is printable symbol 94 + 12 + (0xC3 − 0xAE) = 127; © (0xA9) is 94 + 8 = 102, + </w>
        Assert.Equal([127, 256 + 102], tokenizer.EncodeIds("é"));
        Assert.Equal("é hello", tokenizer.Decode(tokenizer.Encode("é hello").Ids));
    }

    [Fact]
    public void Numbers_split_into_digits_and_contractions_into_their_own_pieces()
    {
        Assert.Equal(["it", "'s", "2", "0", "2", "6", "&", "rock"],
            ClipTokenizer.PreTokenize("It's 2026 &amp;rock").ToArray());
    }

    [Fact]
    public void Encode_adds_start_and_end_pads_with_the_end_token_and_truncates_keeping_the_end()
    {
        var tokenizer = ClipTokenizer.FromMerges(Merges);
        var (ids, mask) = tokenizer.Encode("hello", contextLength: 5);
        Assert.Equal([516L, 515, 517, 517, 517], ids);
        Assert.Equal([1L, 1, 1, 0, 0], mask);
        (ids, _) = tokenizer.Encode("hello hello hello hello", contextLength: 4);
        Assert.Equal([516L, 515, 515, 517], ids);
    }

    [Fact]
    public void The_layout_gives_a_the_id_openai_clip_gives_it()
    {
        // OpenAI's tokenizer encodes "a photo of a cat" as 49406, 320, 1125, 539, 320, 2368, 49407: "a</w>" = 320
        // = 256 + ('a' − 33), the same id the layout gives a single letter before any merge.
        var tokenizer = ClipTokenizer.FromMerges([]);
        Assert.Equal([320], tokenizer.EncodeIds("a"));
    }

    [Fact]
    public void Merges_for_words_spell_every_world_word_as_one_token()
    {
        var tokenizer = ShapeWorld.Tokenizer();
        foreach (var word in ShapeWorld.Words)
            Assert.Equal([word + "</w>"], tokenizer.Tokenize(word));
        Assert.Equal(tokenizer.VocabSize - 1, tokenizer.EndId);   // the end token has the largest id, as in OpenAI's
    }

    [Fact]
    public void Files_round_trip_and_a_bad_merges_line_is_named()
    {
        var dir = Directory.CreateTempSubdirectory("clip-tok");
        try
        {
            var vocab = Path.Combine(dir.FullName, "vocab.json");
            var merges = Path.Combine(dir.FullName, "merges.txt");
            var original = ClipTokenizer.FromMerges(Merges);
            var tokens = Enumerable.Range(0, original.VocabSize).ToDictionary(Token, i => i);
            File.WriteAllText(vocab, System.Text.Json.JsonSerializer.Serialize(tokens));
            File.WriteAllLines(merges, ["#version: 0.2", .. Merges.Select(m => $"{m.Item1} {m.Item2}")]);
            var read = ClipTokenizer.FromFiles(vocab, merges);
            Assert.Equal(original.Encode("hello help é").Ids, read.Encode("hello help é").Ids);
            File.WriteAllLines(merges, ["#version: 0.2", "h e", "oops"]);
            var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromFiles(vocab, merges));
            Assert.Contains("merges.txt(3)", e.Message);
        }
        finally { dir.Delete(true); }

        static string Token(int id)
        {
            var symbols = ClipTokenizer.ByteSymbolsInOrder.Select(c => c.ToString()).ToList();
            var all = symbols.Concat(symbols.Select(s => s + "</w>")).Concat(Merges.Select(m => m.Item1 + m.Item2))
                .Append(ClipTokenizer.StartOfText).Append(ClipTokenizer.EndOfText).ToList();
            return all[id];
        }
    }

    [Fact]
    public void A_saved_tokenizer_reads_back_in_hugging_faces_layout()
    {
        var tokenizer = ShapeWorld.Tokenizer();
        var folder = Path.Combine(Path.GetTempPath(), "cw-tok-" + Guid.NewGuid().ToString("N"));
        try
        {
            tokenizer.Save(folder);
            Assert.StartsWith("#version", File.ReadLines(Path.Combine(folder, "merges.txt")).First());
            var back = ClipTokenizer.FromFiles(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"));
            Assert.Equal(tokenizer.VocabSize, back.VocabSize);
            Assert.Equal((tokenizer.StartId, tokenizer.EndId), (back.StartId, back.EndId));
            foreach (var text in new[] { "a photo of a small red circle.", "a rabbit", "Über-café <b>x</b>" })
                Assert.Equal(tokenizer.Encode(text).Ids, back.Encode(text).Ids);
        }
        finally { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
    }
}
