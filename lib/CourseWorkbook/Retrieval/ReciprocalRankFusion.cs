namespace CourseWorkbook.Retrieval;

/// <summary>Reciprocal rank fusion of ranked lists (Cormack, Clarke and Büttcher, 2009).</summary>
public static class ReciprocalRankFusion
{
    /// <summary>
    /// The k best documents by <c>Σ 1/(rrfK + rank)</c> over the lists (a document absent from a list adds nothing).
    /// Ties: the better best rank, then the id. Documents are matched by id.
    /// </summary>
    public static IReadOnlyList<SearchHit> Fuse(IReadOnlyList<IReadOnlyList<SearchHit>> lists, int k, int rrfK = 60) =>
        FusedScores.Top(lists.SelectMany(list => list.Select(hit => (hit, 1.0 / (rrfK + hit.Rank)))), k);
}
