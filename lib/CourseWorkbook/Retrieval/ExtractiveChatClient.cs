using CourseWorkbook.Runtime;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace CourseWorkbook.Retrieval;

/// <summary>
/// The offline stand-in for the LLM: an <see cref="IChatClient"/> that does not generate. It reads the numbered
/// passages and the question of a <see cref="RagPrompt"/>, picks the passage sharing the most content words with
/// the question (ties: the retriever's order) and quotes it, saying plainly that no language model was available.
/// When no passage shares at least a third of the question's content words (date words aside) it answers that it
/// does not know, as the system prompt asks.
/// </summary>
public sealed partial class ExtractiveChatClient : IChatClient
{
    /// <summary>The model id reported in responses.</summary>
    public const string ModelName = "extractive (no LLM)";

    /// <summary>Prefix of every answer, so nobody mistakes a quotation for a generated answer.</summary>
    public const string Disclaimer = "(Réponse hors ligne : aucun modèle de langage n'est disponible, "
        + "voici le passage du contexte le plus proche de la question.)";

    private static readonly ChatClientMetadata Metadata = new("offline", null, ModelName);

    /// <summary>The answer text for the conversation: a quoted passage, or « je ne sais pas ».</summary>
    public static string Answer(IEnumerable<ChatMessage> messages)
    {
        var user = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        var passages = PassageLine().Matches(user)
            .Select(m => (
                Number: m.Groups["n"].Value,
                Meta: m.Groups["meta"].Value,
                Text: m.Groups["text"].Value.Trim()))
            .ToList();
        var q = QuestionLine().Match(user);
        var question = q.Success ? q.Groups["q"].Value : user;
        // Dates were handled by the retrieval filter: only the other content words have to match.
        var wanted = FrenchTokenizer.Default.Tokenize(FrenchDates.Parse(question, DateTime.Today.Year).QueryWithoutDate)
            .ToHashSet(StringComparer.Ordinal);
        var best = passages
            .Select((p, i) => (p, i,
                Overlap: FrenchTokenizer.Default.Tokenize(p.Text).Distinct(StringComparer.Ordinal)
                .Count(wanted.Contains)))
            .OrderByDescending(x => x.Overlap).ThenBy(x => x.i)
            .FirstOrDefault();
        if (passages.Count == 0 || best.Overlap < MinimumOverlap(wanted.Count))
            return $"{Disclaimer}\nJe ne sais pas : aucun passage du contexte ne répond à cette question.";
        var meta = best.p.Meta.Length > 0 ? $" ({best.p.Meta})" : "";
        return $"{Disclaimer}\nD'après [{best.p.Number}]{meta} : « {best.p.Text} »";
    }

    /// <summary>
    /// Content words a passage must share with the question to be quoted: a third of them, at least one.
    /// </summary>
    public static int MinimumOverlap(int questionWords) => Math.Max(1, (questionWords + 2) / 3);

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Answer(messages)))
        {
            ModelId = ModelName,
            FinishReason = ChatFinishReason.Stop,
        });
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var words = Regex.Split(Answer(messages), @"(?<=\s)");
        foreach (var word in words)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, word) { ModelId = ModelName };
            await Task.Yield();
        }
        yield return new ChatResponseUpdate(ChatRole.Assistant, "")
        {
            ModelId = ModelName,
            FinishReason = ChatFinishReason.Stop,
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc />
    public void Dispose() { }

    [GeneratedRegex(@"^\[(?<n>\d+)\]\s*(?:\((?<meta>[^)]*)\)\s*)?(?<text>.+)$", RegexOptions.Multiline)]
    private static partial Regex PassageLine();

    [GeneratedRegex(@"^Question\s*:\s*(?<q>.+)$", RegexOptions.Multiline)]
    private static partial Regex QuestionLine();
}

/// <summary>
/// Tries the primary client (Ollama) and, when it fails before or during the answer, says so in one clear line
/// and answers with the fallback (offline) client instead. A streamed answer cut mid-way keeps what was already
/// shown, then adds the message and the fallback's answer. Never waits longer than the primary's own timeouts.
/// </summary>
public sealed class FallbackChatClient(IChatClient primary, IChatClient fallback, Action<string>? warn = null)
    : IChatClient
{
    private readonly Action<string> warn = warn ?? Console.WriteLine;

    /// <summary>Why the last call fell back, or null when the primary answered.</summary>
    public string? LastFailure { get; private set; }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        try
        {
            var response = await primary.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
            LastFailure = null;
            return response;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var note = Note(e, 0);
            var answer = await fallback.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, $"[{note}]\n{answer.Text}"))
            {
                ModelId = answer.ModelId,
                FinishReason = answer.FinishReason,
            };
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        var updates = primary.GetStreamingResponseAsync(list, options, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        var shown = 0;
        Exception? failure = null;
        try
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false)) break;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = e;
                    break;
                }
                shown++;
                yield return updates.Current;
            }
        }
        finally
        {
            try { await updates.DisposeAsync().ConfigureAwait(false); } catch (Exception) { /* already failed */ }
        }
        if (failure is null)
        {
            LastFailure = null;
            yield break;
        }
        yield return new ChatResponseUpdate(ChatRole.Assistant, $"{(shown > 0 ? "\n" : "")}[{Note(failure, shown)}]\n");
        await foreach (var update in fallback.GetStreamingResponseAsync(list, options, cancellationToken)
            .ConfigureAwait(false))
            yield return update;
    }

    private string Note(Exception e, int shown)
    {
        LastFailure = e is OllamaUnavailableException ? e.Message : Ollama.Describe(e);
        var note = $"{LastFailure}: {(shown > 0 ? "offline answer follows" : "using the offline answer")}";
        warn(note);
        return note;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : primary.GetService(serviceType, serviceKey);

    /// <inheritdoc />
    public void Dispose()
    {
        primary.Dispose();
        fallback.Dispose();
    }
}
