using System.Diagnostics;
using Microsoft.Data.Analysis;

namespace CourseWorkbook.Retrieval;

/// <summary>Which filter each question is searched with during an evaluation.</summary>
public enum FilterMode
{
    /// <summary>No filter: the question as typed, left to similarity alone (the TP's first version).</summary>
    None,

    /// <summary>The gold filter written with each question: measures the retriever alone.</summary>
    Gold,

    /// <summary>The filter <see cref="QueryPlanner"/> derives from the question text: the end-to-end number.</summary>
    Parsed,
}

/// <summary>Retrieval quality of one retriever on a question set.</summary>
/// <param name="Retriever">The retriever's name.</param>
/// <param name="Filters">Which filters the questions were searched with.</param>
/// <param name="Questions">Number of questions.</param>
/// <param name="RecallAt1">Share of questions with a relevant document ranked first.</param>
/// <param name="RecallAt5">Share of questions with a relevant
/// document in the top 5 (what a 5-passage prompt sees).</param>
/// <param name="RecallAt10">Share of questions with a relevant document in the top 10.</param>
/// <param name="Mrr">Mean reciprocal rank of the first relevant document (0 when it is not in the top 10).</param>
/// <param name="MsPerQuery">Mean wall time per question, query embedding included.</param>
public sealed record RetrievalScore(string Retriever, FilterMode Filters, int Questions, double RecallAt1,
    double RecallAt5, double RecallAt10, double Mrr, double MsPerQuery)
{
    /// <summary>One line with the four metrics.</summary>
    public override string ToString() =>
        $"{Retriever} ({Filters} filters, {Questions} questions): "
        + $"R@1 {RecallAt1:0.000}  R@5 {RecallAt5:0.000}  R@10 {RecallAt10:0.000}  "
        + $"MRR {Mrr:0.000}  {MsPerQuery:0.0} ms/q";
}

/// <summary>Recall of one retriever on the questions of one kind.</summary>
public sealed record KindScore(string Retriever, string Kind, int Questions, double RecallAt1, double RecallAt5)
{
    /// <summary>One line: retriever, kind, count, recalls.</summary>
    public override string ToString() =>
        $"{Retriever} [{Kind}, {Questions}]: R@1 {RecallAt1:0.000}  R@5 {RecallAt5:0.000}";
}

/// <summary>
/// How one question fared: the rank of its first relevant document (null: not in the top 10) and the top hit.
/// </summary>
public sealed record QuestionOutcome(string Id, string Question, string Filter, int? Rank, string TopHit)
{
    /// <summary>One line: id, rank, question, top hit.</summary>
    public override string ToString() => $"{Id} rank {(Rank?.ToString() ?? "-")}: {Question} → {TopHit}";
}

/// <summary>
/// One passage of a side-by-side comparison: which retriever ranked it where, and whether it answers the question.
/// </summary>
public sealed record ComparedHit(string Retriever, int Rank, double Score, bool Answers, string Document)
{
    /// <summary>One line: retriever, rank, score, a check mark when the passage answers, the passage.</summary>
    public override string ToString() =>
        $"{Retriever,-12} {Rank,2}. {Score,7:0.0000} {(Answers ? "✓" : " ")} {Document}";
}

/// <summary>
/// Recall@k and MRR of retrievers on a question set. Recall@k follows the RAG convention (as in DPR): a question
/// counts as found when at least one of its relevant documents is in the top k, since one passage is enough to
/// answer. Most RAG failures come from the retriever: measure it before blaming the model.
/// </summary>
public static class RetrievalEvaluation
{
    /// <summary>Depth of the rankings evaluated (recall@10, MRR@10).</summary>
    public const int Depth = 10;

    /// <summary>Metrics from rankings already computed: each item is (ranked ids, relevant ids).</summary>
    public static RetrievalScore Score(string retriever, FilterMode filters,
        IEnumerable<(IReadOnlyList<string> Ranked, IReadOnlyCollection<string> Relevant)> results,
        double msPerQuery = 0)
    {
        int n = 0, at1 = 0, at5 = 0, at10 = 0;
        double reciprocal = 0;
        foreach (var (ranked, relevant) in results)
        {
            n++;
            var rank = FirstRelevantRank(ranked, relevant);
            if (rank is null) continue;
            if (rank <= 1) at1++;
            if (rank <= 5) at5++;
            if (rank <= 10) at10++;
            reciprocal += 1.0 / rank.Value;
        }
        return n == 0
            ? new RetrievalScore(retriever, filters, 0, 0, 0, 0, 0, msPerQuery)
            : new RetrievalScore(retriever, filters, n, (double)at1 / n, (double)at5 / n, (double)at10 / n,
                reciprocal / n, msPerQuery);
    }

    /// <summary>
    /// 1-based rank of the first relevant id within the first <see cref="Depth"/> ranked ids, else null.
    /// </summary>
    public static int? FirstRelevantRank(IReadOnlyList<string> ranked, IReadOnlyCollection<string> relevant)
    {
        for (var i = 0; i < Math.Min(Depth, ranked.Count); i++)
            if (relevant.Contains(ranked[i])) return i + 1;
        return null;
    }

    /// <summary>
    /// The plan a question is searched with under a filter mode (planner: <see cref="PlannerOptions.Default"/> when
    /// null).
    /// </summary>
    public static QueryPlan PlanFor(RagQuestion question, FilterMode mode, DateRange? corpusSpan,
        PlannerOptions? planner = null) =>
        mode switch
        {
            FilterMode.None => new QueryPlan(question.Question, question.Question, SearchFilter.None),
            FilterMode.Parsed => QueryPlanner.Plan(question.Question, corpusSpan, null, planner),
            _ => QueryPlanner.Plan(question.Question, corpusSpan, null, planner) with { Filter = question.GoldFilter },
        };

    /// <summary>Runs every question through the retriever and scores the rankings.</summary>
    public static async Task<RetrievalScore> EvaluateAsync(IRetriever retriever, IReadOnlyList<RagQuestion> questions,
        FilterMode mode = FilterMode.Gold, DateRange? corpusSpan = null, CancellationToken cancellationToken = default,
        PlannerOptions? planner = null)
    {
        var clock = Stopwatch.StartNew();
        var outcomes = await RankAllAsync(retriever, questions, mode, corpusSpan, planner, cancellationToken)
            .ConfigureAwait(false);
        var ms = questions.Count == 0 ? 0 : clock.Elapsed.TotalMilliseconds / questions.Count;
        return Score(retriever.Name, mode,
            outcomes.Select(o => (o.Ranked, (IReadOnlyCollection<string>)o.Question.Relevant)), ms);
    }

    /// <summary>One row per retriever, same questions and filters: the table to compare them.</summary>
    public static Task<IReadOnlyList<RetrievalScore>> CompareAsync(IReadOnlyList<RagQuestion> questions,
        FilterMode mode, DateRange? corpusSpan, params IRetriever[] retrievers) =>
        CompareAsync(questions, mode, corpusSpan, null, retrievers);

    /// <summary>
    /// As the overload without a planner, with the given date planner (e.g. <see cref="PlannerOptions.Strict"/>).
    /// </summary>
    public static async Task<IReadOnlyList<RetrievalScore>> CompareAsync(IReadOnlyList<RagQuestion> questions,
        FilterMode mode, DateRange? corpusSpan, PlannerOptions? planner, params IRetriever[] retrievers)
    {
        var rows = new List<RetrievalScore>();
        foreach (var r in retrievers)
            rows.Add(await EvaluateAsync(r, questions, mode, corpusSpan, planner: planner).ConfigureAwait(false));
        return rows;
    }

    /// <summary>
    /// Recall@1 and recall@5 per question kind (<see cref="RagQuestion.Kind"/>), then over all questions (kind
    /// <c>all</c>): which kind of question a retriever fails on.
    /// </summary>
    public static async Task<IReadOnlyList<KindScore>> ByKindAsync(IRetriever retriever,
        IReadOnlyList<RagQuestion> questions, FilterMode mode, DateRange? corpusSpan, PlannerOptions? planner = null,
        CancellationToken cancellationToken = default)
    {
        var ranked = await RankAllAsync(retriever, questions, mode, corpusSpan, planner, cancellationToken)
            .ConfigureAwait(false);
        KindScore Row(string kind,
            IEnumerable<(RagQuestion Question, QueryPlan Plan, IReadOnlyList<string> Ranked, Document? Top)> rows)
        {
            var s = Score(retriever.Name, mode,
                rows.Select(o => (o.Ranked, (IReadOnlyCollection<string>)o.Question.Relevant)));
            return new KindScore(retriever.Name, kind, s.Questions, s.RecallAt1, s.RecallAt5);
        }
        return ranked.GroupBy(o => o.Question.Kind ?? "unlabelled").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Row(g.Key, g)).Append(Row("all", ranked)).ToList();
    }

    /// <summary>
    /// Per-kind scores as a table: one row per kind, one recall@1 and one recall@5 column per retriever.
    /// </summary>
    public static DataFrame KindTable(IEnumerable<KindScore> scores)
    {
        var rows = scores.ToList();
        var kinds = rows.Select(r => r.Kind).Distinct().ToList();
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn("kind", kinds),
            new Int32DataFrameColumn("questions", kinds.Select(k => rows.First(r => r.Kind == k).Questions)),
        };
        foreach (var retriever in rows.Select(r => r.Retriever).Distinct())
        {
            var byKind = rows.Where(r => r.Retriever == retriever).ToDictionary(r => r.Kind);
            columns.Add(new DoubleDataFrameColumn($"{retriever} R@1",
                kinds.Select(k => Math.Round(byKind[k].RecallAt1, 3))));
            columns.Add(new DoubleDataFrameColumn($"{retriever} R@5",
                kinds.Select(k => Math.Round(byKind[k].RecallAt5, 3))));
        }
        return new DataFrame(columns);
    }

    /// <summary>
    /// The scores as a table (one row per retriever and filter mode, metrics rounded to 3 decimals), which notebooks
    /// show as an HTML table: the comparison at a glance.
    /// </summary>
    public static DataFrame Table(IEnumerable<RetrievalScore> scores)
    {
        var rows = scores.ToList();
        DoubleDataFrameColumn Metric(string name, Func<RetrievalScore, double> value) =>
            new(name, rows.Select(r => Math.Round(value(r), 3)));
        return new DataFrame(
            new StringDataFrameColumn("retriever", rows.Select(r => r.Retriever)),
            new StringDataFrameColumn("date filter", rows.Select(r => r.Filters switch
            {
                FilterMode.None => "none",
                FilterMode.Gold => "gold",
                _ => "parsed",
            })),
            new Int32DataFrameColumn("questions", rows.Select(r => r.Questions)),
            Metric("recall@1", r => r.RecallAt1),
            Metric("recall@5", r => r.RecallAt5),
            Metric("recall@10", r => r.RecallAt10),
            Metric("MRR", r => r.Mrr),
            new DoubleDataFrameColumn("ms/query", rows.Select(r => Math.Round(r.MsPerQuery, 2))));
    }

    /// <summary>Per-question outcomes, worst first: where the retriever fails and what it returned instead.</summary>
    public static async Task<IReadOnlyList<QuestionOutcome>> OutcomesAsync(IRetriever retriever,
        IReadOnlyList<RagQuestion> questions, FilterMode mode = FilterMode.Gold, DateRange? corpusSpan = null,
        CancellationToken cancellationToken = default, PlannerOptions? planner = null)
    {
        var ranked = await RankAllAsync(retriever, questions, mode, corpusSpan, planner, cancellationToken)
            .ConfigureAwait(false);
        return ranked
            .Select(o => new QuestionOutcome(o.Question.Id, o.Question.Question, o.Plan.Filter.ToString(),
                FirstRelevantRank(o.Ranked, o.Question.Relevant), o.Top?.ToString() ?? "(nothing)"))
            .OrderByDescending(o => o.Rank ?? int.MaxValue).ThenBy(o => o.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The top <paramref name="k"/> passages of each retriever for one question, searched with the filter of
    /// <paramref name="mode"/>, each marked when it is one of the
    /// question's relevant documents: a failure made visible.
    /// </summary>
    public static Task<IReadOnlyList<ComparedHit>> SideBySideAsync(RagQuestion question, FilterMode mode,
        DateRange? corpusSpan, int k, params IRetriever[] retrievers) =>
        SideBySideAsync(question, mode, corpusSpan, k, null, retrievers);

    /// <summary>As the overload without a planner, with the given date planner.</summary>
    public static async Task<IReadOnlyList<ComparedHit>> SideBySideAsync(RagQuestion question, FilterMode mode,
        DateRange? corpusSpan, int k, PlannerOptions? planner, params IRetriever[] retrievers)
    {
        var plan = PlanFor(question, mode, corpusSpan, planner);
        var rows = new List<ComparedHit>();
        foreach (var retriever in retrievers)
            foreach (var hit in await QueryPlanner.SearchAsync(retriever, plan, k).ConfigureAwait(false))
                rows.Add(new ComparedHit(retriever.Name, hit.Rank, Math.Round(hit.Score, 4),
                    question.Relevant.Contains(hit.Document.Id), hit.Document.ToString()));
        return rows;
    }

    private static async Task<List<(RagQuestion Question, QueryPlan Plan, IReadOnlyList<string> Ranked, Document? Top)>>
        RankAllAsync(IRetriever retriever, IReadOnlyList<RagQuestion> questions, FilterMode mode,
            DateRange? corpusSpan, PlannerOptions? planner, CancellationToken cancellationToken)
    {
        var results = new List<(RagQuestion, QueryPlan, IReadOnlyList<string>, Document?)>();
        foreach (var q in questions)
        {
            var plan = PlanFor(q, mode, corpusSpan, planner);
            var hits = await QueryPlanner.SearchAsync(retriever, plan, Depth, cancellationToken).ConfigureAwait(false);
            results.Add((q, plan, hits.Select(h => h.Document.Id).ToList(), hits.FirstOrDefault()?.Document));
        }
        return results;
    }
}
