using CourseWorkbook.Runtime;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace CourseWorkbook.Retrieval;

/// <summary>
/// The prompt of practical 01: a system prompt that forbids
/// answering outside the context, numbered passages, the question.
/// </summary>
public static class RagPrompt
{
    /// <summary>
    /// The course's instruction, in French like the corpus: answer only from the context, say you don't know otherwise.
    /// </summary>
    public const string System =
        "Tu réponds à des questions à partir des passages numérotés du contexte. " +
        "Réponds uniquement à partir du contexte fourni. " +
        "Si le contexte ne contient pas la réponse, dis que tu ne sais pas. " +
        "Réponds en français, en une ou deux phrases, et cite entre crochets le numéro des passages utilisés.";

    /// <summary>
    /// The user message: <c>Contexte :</c>, one <c>[n] (date, section) text</c> line per passage, then
    /// <c>Question : …</c>.
    /// </summary>
    public static string UserMessage(string question, IReadOnlyList<SearchHit> passages)
    {
        var sb = new StringBuilder("Contexte :\n");
        foreach (var (hit, i) in passages.Select((h, i) => (h, i + 1)))
        {
            var d = hit.Document;
            var meta = string.Join(", ",
                new[] { d.Date?.ToString("yyyy-MM-dd"), d.Section, d.Source }.OfType<string>());
            sb.Append('[').Append(i).Append("] ").Append(meta.Length > 0 ? $"({meta}) " : "")
                .AppendLine(d.Text.ReplaceLineEndings(" "));
        }
        sb.Append("\nQuestion : ").Append(question);
        return sb.ToString();
    }

    /// <summary>System and user messages for the chat client.</summary>
    public static IReadOnlyList<ChatMessage> Messages(string question, IReadOnlyList<SearchHit> passages,
        string? system = null) =>
        [new ChatMessage(ChatRole.System, system ?? System),
            new ChatMessage(ChatRole.User, UserMessage(question, passages))];
}

/// <summary>Settings of <see cref="RagPipeline"/>.</summary>
/// <param name="Passages">How many retrieved passages go into the prompt.</param>
/// <param name="CorpusSpan">Dates covered by the corpus: gives the default year of « en mars » and drops filters
/// outside it.</param>
/// <param name="UseDateFilter">Parse the question's dates into a filter (false: leave dates to similarity, as the TP's
/// first version).</param>
/// <param name="SystemPrompt">Replaces <see cref="RagPrompt.System"/>.</param>
/// <param name="Planner">How dates are planned (tolerance, holidays, fallback); null: the default planner.</param>
public sealed record RagOptions(int Passages = 5, DateRange? CorpusSpan = null, bool UseDateFilter = true,
    string? SystemPrompt = null, PlannerOptions? Planner = null);

/// <summary>A question answered by retrieval then generation, with everything needed to judge the answer.</summary>
public sealed record RagAnswer(string Question, QueryPlan Plan, IReadOnlyList<SearchHit> Passages, string Answer,
    string AnsweredBy, TimeSpan RetrievalTime, TimeSpan GenerationTime)
{
    /// <summary>Question, filter, passages, then the answer and who gave it.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Question : {Question}");
        sb.AppendLine($"Plan     : {Plan}");
        foreach (var p in Passages) sb.AppendLine($"  {p}");
        sb.AppendLine($"Réponse ({AnsweredBy}, retrieval {RetrievalTime.TotalMilliseconds:0} ms, "
            + $"generation {GenerationTime.TotalMilliseconds:0} ms) :");
        sb.Append(Answer);
        return sb.ToString();
    }
}

/// <summary>
/// Retrieval-augmented generation in three steps, each callable on its own from a notebook: plan the query
/// (date expressions become a filter), retrieve the passages, ask the chat client with the passages as context.
/// </summary>
public sealed class RagPipeline(IRetriever retriever, IChatClient chat, RagOptions? options = null)
{
    /// <summary>The settings in use.</summary>
    public RagOptions Options { get; } = options ?? new();

    /// <summary>Step 1: the search text and filter for the question.</summary>
    public QueryPlan Plan(string question) =>
        Options.UseDateFilter
            ? QueryPlanner.Plan(question, Options.CorpusSpan, null, Options.Planner)
            : new QueryPlan(question, question, SearchFilter.None);

    /// <summary>Step 2: the passages that will be put in the prompt.</summary>
    public Task<IReadOnlyList<SearchHit>> RetrieveAsync(string question, CancellationToken cancellationToken = default)
    {
        return QueryPlanner.SearchAsync(retriever, Plan(question), Options.Passages, cancellationToken);
    }

    /// <summary>
    /// Step 3 (whole): retrieve, then ask the chat client; returns the answer with its passages and timings.
    /// </summary>
    public async Task<RagAnswer> AskAsync(string question, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var plan = Plan(question);
        var passages = await QueryPlanner.SearchAsync(retriever, plan, Options.Passages, cancellationToken)
            .ConfigureAwait(false);
        var retrieval = clock.Elapsed;
        var response = await chat.GetResponseAsync(RagPrompt.Messages(question, passages, Options.SystemPrompt),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return new RagAnswer(question, plan, passages, response.Text, response.ModelId ?? ModelOf(chat), retrieval,
            clock.Elapsed - retrieval);
    }

    /// <summary>
    /// Step 3 (streamed): retrieve, then yield the answer piece by piece as the chat client produces it.
    /// </summary>
    public async IAsyncEnumerable<string> AskStreamingAsync(string question,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var passages = await RetrieveAsync(question, cancellationToken).ConfigureAwait(false);
        var messages = RagPrompt.Messages(question, passages, Options.SystemPrompt);
        await foreach (var update in chat.GetStreamingResponseAsync(messages, cancellationToken: cancellationToken)
            .ConfigureAwait(false))
            if (!string.IsNullOrEmpty(update.Text)) yield return update.Text;
    }

    private static string ModelOf(IChatClient client) =>
        client.GetService<ChatClientMetadata>()?.DefaultModelId ?? client.GetType().Name;
}
