using CourseWorkbook.Notebook;
using Xunit;

namespace CourseWorkbook.Tests.Notebook;

public sealed class ExercisesTests
{
    [Fact]
    public void A_done_answer_is_used()
    {
        Assert.Equal(42, Exercise.OrReference("t.1", () => 42, () => -1));
    }

    [Fact]
    public void An_undone_or_failing_answer_falls_back_to_the_reference_and_says_why()
    {
        var console = Console.Out;
        var written = new StringWriter();
        Console.SetOut(written);
        try
        {
            Assert.Equal(7, Exercise.OrReference<int>("t.2",
                () => throw new NotImplementedException("Exercise t.2 is not done yet."), () => 7));
            Assert.Equal(8, Exercise.OrReference<int>("t.3", () => throw new InvalidOperationException("bad\nmore"),
                () => 8));
        }
        finally { Console.SetOut(console); }
        var lines = written.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Exercise t.2 is not done yet: the cells below use the library's reference instead.", lines[0]);
        Assert.Equal("Exercise t.3 failed (InvalidOperationException: bad): the cells below use the library's "
                     + "reference instead.", lines[1]);
    }

    [Fact]
    public async Task An_async_answer_is_awaited_and_its_failure_falls_back_to_the_reference()
    {
        async Task<int> Done() { await Task.Yield(); return 42; }
        async Task<int> Undone() { await Task.Yield(); throw new NotImplementedException("Exercise t.4 ..."); }
        Assert.Equal(42, await Exercise.OrReferenceAsync("t.4", Done, () => Task.FromResult(-1)));
        var console = Console.Out;
        var written = new StringWriter();
        Console.SetOut(written);
        int fallback;
        try { fallback = await Exercise.OrReferenceAsync("t.4", Undone, () => Task.FromResult(7)); }
        finally { Console.SetOut(console); }
        Assert.Equal(7, fallback);
        Assert.Equal("Exercise t.4 is not done yet: the cells below use the library's reference instead.",
            written.ToString().Trim());
    }

    [Fact]
    public void Checks_pass_on_the_right_values_and_fail_with_what_was_expected()
    {
        Check.Near(0.30000000000000004, 0.3, 1e-12, "sum");
        Check.InRange(0.5, 0, 1, "p");
        Check.AllNear([1.0, 2.0], [1.0, 2.0 + 1e-9], 1e-6, "v");
        var near = Assert.Throws<CheckFailedException>(() => Check.Near(0.25, 0.2, 1e-3, "TripletLoss(0.2, 0.5)"));
        Assert.Equal("TripletLoss(0.2, 0.5): expected 0.2 (± 0.001), got 0.25", near.Message);
        var nan = Assert.Throws<CheckFailedException>(() => Check.Near(double.NaN, 0.2, 1e-3, "loss"));
        Assert.Contains("got NaN", nan.Message);
        var range = Assert.Throws<CheckFailedException>(() => Check.InRange(1.5, 0, 1, "p"));
        Assert.Equal("p: expected a value in [0, 1], got 1.5", range.Message);
        var index = Assert.Throws<CheckFailedException>(() => Check.AllNear([1.0, 3.0], [1.0, 2.0], 0.1, "v"));
        Assert.Equal("v: at index 1 expected 2 (± 0.1), got 3", index.Message);
        Assert.Throws<CheckFailedException>(() => Check.AllNear([1.0], [1.0, 2.0], 0.1, "v"));
        Assert.Throws<CheckFailedException>(() => Check.Equal(3, 4, "n"));
        Assert.Throws<CheckFailedException>(() => Check.That(false, "no"));
    }

    [Fact]
    public void A_score_is_a_fraction_published_under_the_exercise()
    {
        Check.Score("t.quiz", 0.75);
        Assert.Equal(0.75, Results.All[Check.ScorePrefix + "t.quiz"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Check.Score("t.quiz", 1.5));
    }
}
