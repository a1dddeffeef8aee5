using ReportApi.Domain.Reports;

namespace ReportApi.Tests.Ingestion;

/// <summary>The chain cache's key: equal texts give equal keys whoever holds them, and nothing else does.</summary>
public sealed class ChainKeyTests
{
    // new string(...) so equal texts are distinct instances (the per-string digest memo must not matter).
    private static string Text(string s) => new(s.AsSpan());

    [Fact]
    public void Equal_texts_in_different_strings_give_equal_keys_and_repeat_lookups_agree()
    {
        var first = ChainKey.Of([Text("-----BEGIN CERTIFICATE-----\nleaf"), Text("-----BEGIN CERTIFICATE-----\nca")]);
        var second = ChainKey.Of([Text("-----BEGIN CERTIFICATE-----\nleaf"), Text("-----BEGIN CERTIFICATE-----\nca")]);
        var shared = Text("-----BEGIN CERTIFICATE-----\nleaf");
        var third = ChainKey.Of([shared, Text("-----BEGIN CERTIFICATE-----\nca")]);
        var fourth = ChainKey.Of([shared, Text("-----BEGIN CERTIFICATE-----\nca")]);

        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.Equal(third, fourth);
    }

    [Theory]
    [InlineData(new[] { "a", "b" }, new[] { "b", "a" })]      // order is part of the chain
    [InlineData(new[] { "a", "b" }, new[] { "ab" })]          // boundaries are part of the chain
    [InlineData(new[] { "a" }, new[] { "a", "a" })]           // so is the count
    [InlineData(new string[0], new[] { "" })]
    [InlineData(new[] { "leaf" }, new[] { "leaF" })]
    public void Different_chains_give_different_keys(string[] left, string[] right) =>
        Assert.NotEqual(ChainKey.Of(left.Select(Text).ToArray()), ChainKey.Of(right.Select(Text).ToArray()));

    [Fact]
    public void A_chain_longer_than_the_stack_buffer_is_keyed_too()
    {
        var long1 = Enumerable.Range(0, 12).Select(i => Text($"cert {i}")).ToArray();
        var long2 = Enumerable.Range(0, 12).Select(i => Text($"cert {i}")).ToArray();
        long2[11] = Text("cert x");

        Assert.Equal(ChainKey.Of(long1), ChainKey.Of(long1.Select(Text).ToArray()));
        Assert.NotEqual(ChainKey.Of(long1), ChainKey.Of(long2));
    }
}
