using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

public class RetrievalEvaluationTests
{
    [Fact]
    public void Recall_and_mrr_match_a_hand_example()
    {
        // q1: first relevant at rank 1; q2: at rank 3; q3: at rank 7; q4: not in the top 10.
        (IReadOnlyList<string>, IReadOnlyCollection<string>)[] results =
        [
            (["a", "b", "c"], ["a"]),
            (["x", "y", "b", "a"], ["b", "a"]),
            (["1", "2", "3", "4", "5", "6", "r", "8"], ["r"]),
            (["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "late"], ["late"]),
        ];

        var score = RetrievalEvaluation.Score("hand", FilterMode.None, results);

        Assert.Equal(4, score.Questions);
        Assert.Equal(0.25, score.RecallAt1, 10);   // q1
        Assert.Equal(0.50, score.RecallAt5, 10);   // q1, q2
        Assert.Equal(0.75, score.RecallAt10, 10);  // q1, q2, q3
        Assert.Equal((1 + 1 / 3.0 + 1 / 7.0 + 0) / 4, score.Mrr, 10);
    }

    [Fact]
    public async Task Comparing_retrievers_gives_one_row_each_on_the_same_questions()
    {
        RagQuestion[] questions = [new("q1", "?", ["b"]), new("q2", "?", ["c"])];
        var rows = await RetrievalEvaluation.CompareAsync(questions, FilterMode.None, null,
            new FixedRetriever("good", "b", "c"), new FixedRetriever("bad", "x", "y", "z"));

        Assert.Equal(["good", "bad"], rows.Select(r => r.Retriever));
        Assert.Equal(0.5, rows[0].RecallAt1);
        Assert.Equal(1.0, rows[0].RecallAt5);
        Assert.Equal(0.75, rows[0].Mrr, 10);
        Assert.Equal(0.0, rows[1].RecallAt10);
    }

    [Fact]
    public async Task Outcomes_list_failures_first()
    {
        RagQuestion[] questions = [new("q1", "?", ["b"]), new("q2", "?", ["zzz"])];
        var outcomes = await RetrievalEvaluation.OutcomesAsync(new FixedRetriever("r", "a", "b"), questions, FilterMode.None);
        Assert.Equal(["q2", "q1"], outcomes.Select(o => o.Id));
        Assert.Null(outcomes[0].Rank);
        Assert.Equal(2, outcomes[1].Rank);
    }

    [Fact]
    public async Task Side_by_side_lists_each_retrievers_top_k_and_marks_the_answers()
    {
        var question = new RagQuestion("q1", "?", ["b"]);
        var rows = await RetrievalEvaluation.SideBySideAsync(question, FilterMode.None, null, 2,
            new FixedRetriever("one", "a", "b", "c"), new FixedRetriever("two", "b", "x"));

        Assert.Equal(["one", "one", "two", "two"], rows.Select(r => r.Retriever));
        Assert.Equal([1, 2, 1, 2], rows.Select(r => r.Rank));
        Assert.Equal([false, true, true, false], rows.Select(r => r.Answers));
        Assert.Equal(0.5, rows[1].Score);
    }

    [Fact]
    public void The_score_table_has_one_row_per_score_and_rounded_metrics()
    {
        var table = RetrievalEvaluation.Table([
            new RetrievalScore("BM25", FilterMode.None, 3, 1 / 3.0, 2 / 3.0, 1, 0.61111, 0.123),
            new RetrievalScore("BM25", FilterMode.Parsed, 3, 1, 1, 1, 1, 0.1),
        ]);

        Assert.Equal(2, table.Rows.Count);
        Assert.Equal(["retriever", "date filter", "questions", "recall@1", "recall@5", "recall@10", "MRR", "ms/query"], table.Columns.Select(c => c.Name));
        Assert.Equal("none", table["date filter"][0]);
        Assert.Equal("parsed", table["date filter"][1]);
        Assert.Equal(0.667, table["recall@5"][0]);
        Assert.Equal(0.611, table["MRR"][0]);
    }
}
