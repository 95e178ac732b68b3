using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

public class FrenchTokenizerTests
{
    [Fact]
    public void Elisions_stopwords_accents_and_plurals_are_normalised()
    {
        var tokens = FrenchTokenizer.Default.Tokenize("L'inondation d'aujourd'hui à Nîmes : les crues qu'on attendait");
        Assert.Equal(["inond", "aujourd'hui", "nime", "crue", "attendait"], tokens);
    }

    [Fact]
    public void Curly_apostrophes_are_elided_like_straight_ones()
    {
        Assert.Equal(FrenchTokenizer.Default.Tokenize("l'eau jusqu'à Lyon"), FrenchTokenizer.Default.Tokenize("l’eau jusqu’à Lyon"));
        Assert.Equal(["eau", "lyon"], FrenchTokenizer.Default.Tokenize("l’eau jusqu’à Lyon"));
    }

    [Fact]
    public void Decimal_numbers_stay_whole_and_hyphenated_words_split()
    {
        var tokens = new FrenchTokenizer(new(StripAccents: false, RemoveStopwords: false, LightStemming: false)).Tokenize("Inflation à 2,6 % à Saint-Omer");
        Assert.Equal(["inflation", "à", "2,6", "à", "saint", "omer"], tokens);
    }

    [Fact]
    public void Options_can_keep_accents_and_stopwords()
    {
        var raw = new FrenchTokenizer(new(StripAccents: false, RemoveStopwords: false, LightStemming: false));
        Assert.Equal(["la", "crue", "de", "été", "à", "nîmes"], raw.Tokenize("La crue de l'été à Nîmes"));
    }

    [Theory]
    [InlineData("inondées", "inond")]
    [InlineData("inondé", "inond")]
    [InlineData("inondations", "inond")]
    [InlineData("débordement", "débord")]
    [InlineData("nation", "nation")]
    [InlineData("tempêtes", "tempêt")]
    [InlineData("crue", "crue")]
    [InlineData("2024", "2024")]
    public void Light_stemming_removes_plural_and_final_e(string word, string stem) => Assert.Equal(stem, FrenchTokenizer.Stem(word));

    [Fact]
    public void Accent_removal_splits_ligatures() => Assert.Equal("coeur a noel", FrenchTokenizer.RemoveAccents("cœur à noël"));

    [Fact]
    public void Question_words_are_stopwords() =>
        Assert.Equal(["vill", "inond"], FrenchTokenizer.Default.Tokenize("Quelle ville a été inondée ?"));
}
