namespace ReportApi.Domain.Reports;

/// <summary>
/// Collects problems across every report of a body. The list is capped so a hostile array of 100 broken reports
/// cannot turn a 256 KiB request into a multi-megabyte 400 response; <see cref="TotalCount"/> keeps counting.
/// </summary>
internal sealed class ProblemList
{
    public const int MaxListed = 100;

    private readonly List<ReportProblem> problems = [];

    public int TotalCount { get; private set; }

    public void Add(string pointer, string message)
    {
        TotalCount++;
        if (problems.Count < MaxListed)
        {
            problems.Add(new ReportProblem(pointer, message));
        }
    }

    public IReadOnlyList<ReportProblem> ToList()
    {
        if (TotalCount > problems.Count)
        {
            problems.Add(new ReportProblem("", $"{TotalCount - MaxListed} further problems were not listed."));
        }

        return problems;
    }
}
