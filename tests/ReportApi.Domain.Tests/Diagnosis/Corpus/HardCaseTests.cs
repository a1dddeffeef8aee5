using ReportApi.Domain.Reports;

namespace ReportApi.Domain.Tests.Diagnosis.Corpus;

/// <summary>Every case of <see cref="HardCases"/> in every dialect (TrustKit iOS, TrustKit-Android, RFC 7469).</summary>
public sealed class HardCaseTests
{
    public static TheoryData<string, ReportDialect> Cases()
    {
        var data = new TheoryData<string, ReportDialect>();
        foreach (var c in HardCases.All)
        {
            foreach (var dialect in Reports.Dialects)
            {
                data.Add(c.Name, dialect);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hard_case_gets_the_contracts_code(string name, ReportDialect dialect)
    {
        var c = HardCases.All.Single(x => x.Name == name);
        var report = Reports.For(dialect, c.Chain, c.Pins);

        var diagnosis = Reports.Diagnose(report, HardCases.History(c), c.Anchors);

        Assert.Equal(c.Expected, diagnosis.Code);
        if (c.ExpectedProduct is not null) Assert.Equal(c.ExpectedProduct, diagnosis.InterceptionProduct);
        if (c.ExplanationMentions is not null) Assert.Contains(c.ExplanationMentions, diagnosis.Explanation, StringComparison.Ordinal);
        if (c.ExpectedChangedSpki is not null) Assert.Equal(c.ExpectedChangedSpki, diagnosis.ChangedSpki);
    }

    [Fact]
    public void Case_names_are_unique()
    {
        Assert.Equal(HardCases.All.Length, HardCases.All.Select(c => c.Name).Distinct().Count());
    }
}
