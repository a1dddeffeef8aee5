using ReportApi.Domain.Reports;

namespace ReportApi.Domain.Tests.Reports;

/// <summary>The one hostname and one platform rule (issue #18), per input kind.</summary>
public sealed class NormaliserTests
{
    [Theory]
    [InlineData("IOS", "IOS")]
    [InlineData("ios", "IOS")]
    [InlineData(" Android ", "ANDROID")]
    [InlineData("OSX", "MACOS")]
    [InlineData("osx", "MACOS")]
    [InlineData(" oSx\t", "MACOS")]
    [InlineData("macos", "MACOS")]
    [InlineData("tvOS", "TVOS")]
    [InlineData("   ", "")]
    [InlineData("", "")]
    public void Platform(string sent, string expected) => Assert.Equal(expected, Platforms.Normalise(sent));

    [Fact]
    public void No_platform_stays_none() => Assert.Null(Platforms.Normalise(null));

    [Fact]
    public void An_already_normal_platform_is_not_copied() // the ingest hot path calls it per report
    {
        var sent = "ANDROID";
        Assert.Same(sent, Platforms.Normalise(sent));
    }

    [Theory]
    [InlineData("ios", "IOS", true)]
    [InlineData("OSX", "macos", true)]
    [InlineData("osx", "OSX", true)]
    [InlineData("IOS", "ANDROID", false)]
    [InlineData("OSX", "IOS", false)]
    public void Platforms_compare_under_the_rule(string x, string y, bool equal)
    {
        Assert.Equal(equal, Platforms.Equivalent(x, y));
        if (equal) Assert.Equal(Platforms.GetHashCode(x), Platforms.GetHashCode(y));
        Assert.Equal(equal, Platforms.Normalise(x) == Platforms.Normalise(y));
    }

    [Theory]
    [InlineData("api.example.com", "api.example.com")]
    [InlineData("API.Example.COM", "api.example.com")]
    [InlineData("api.example.com.", "api.example.com")]
    // A report's value is evidence: only case and the one root dot go, whitespace and a second dot stay (as stored since 1.0).
    [InlineData("api.example.com..", "api.example.com.")]
    [InlineData(" api.example.com", " api.example.com")]
    [InlineData("", "")]
    public void Reported_hostname(string sent, string expected) => Assert.Equal(expected, Hostnames.FromReport(sent));

    [Fact]
    public void A_lower_case_reported_hostname_is_not_copied()
    {
        var sent = "api.example.com";
        Assert.Same(sent, Hostnames.FromReport(sent));
    }

    [Theory]
    [InlineData("api.example.com", "api.example.com")]
    [InlineData(" API.example.com. ", "api.example.com")]
    [InlineData("api.example.com..", "api.example.com")]
    [InlineData("  ", "")]
    public void Parameter_hostname(string value, string expected) => Assert.Equal(expected, Hostnames.FromParameter(value));

    [Theory]
    [InlineData("api.example.com", true)]
    [InlineData("192.0.2.7", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("", false)]
    [InlineData("not a host", false)]
    [InlineData("api.example.com/path", false)]
    public void What_a_chain_can_be_served_for(string host, bool valid) => Assert.Equal(valid, Hostnames.IsHost(host));

    [Fact]
    public void A_host_longer_than_dns_allows_is_not_one() =>
        Assert.False(Hostnames.IsHost(string.Join('.', Enumerable.Repeat("a", 127)) + ".com"));
}
