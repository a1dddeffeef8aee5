using ReportApi.Domain.Pins;

namespace ReportApi.Domain.Tests.Pins;

public sealed class PinFlagsTests
{
    private static readonly DateOnly Today = new(2025, 6, 1);

    private static Dictionary<string, PinCa> Seen(params (string Pin, string Ca)[] keys) =>
        keys.ToDictionary(k => k.Pin, k => new PinCa(k.Pin, [k.Ca]), StringComparer.Ordinal);

    [Fact]
    public void One_pin_has_no_backup()
    {
        Assert.Contains(PinFlags.FewerThanTwoPins, PinFlags.Evaluate(["a"], Seen(), null, Today, 30));
        Assert.Contains(PinFlags.FewerThanTwoPins, PinFlags.Evaluate([], Seen(), null, Today, 30));
        Assert.DoesNotContain(PinFlags.FewerThanTwoPins, PinFlags.Evaluate(["a", "b"], Seen(), null, Today, 30));
    }

    [Fact]
    public void Every_seen_pin_under_one_ca_is_single_ca()
    {
        Assert.Equal([PinFlags.SingleCa], PinFlags.Evaluate(["a", "b"], Seen(("a", "Root X"), ("b", "Root X")), null, Today, 30));
        Assert.Empty(PinFlags.Evaluate(["a", "b"], Seen(("a", "Root X"), ("b", "Root Y")), null, Today, 30));
    }

    [Fact]
    public void A_pin_never_seen_clears_single_ca()
    {
        // The unseen pin is usually an offline backup key: it may live under any CA.
        Assert.Empty(PinFlags.Evaluate(["a", "spare"], Seen(("a", "Root X")), null, Today, 30));
    }

    [Theory]
    [InlineData(-1, PinFlags.Expired)]
    [InlineData(0, PinFlags.ExpiringSoon)]
    [InlineData(30, PinFlags.ExpiringSoon)]
    [InlineData(31, null)]
    public void Expiration_date_against_the_horizon(int daysAhead, string? expected)
    {
        var flags = PinFlags.Evaluate(["a", "b"], Seen(), Today.AddDays(daysAhead), Today, 30);
        if (expected is null) Assert.Empty(flags);
        else Assert.Equal([expected], flags);
    }
}
