using ReportApi.Domain.Alerting;

namespace ReportApi.Domain.Tests.Alerting;

public sealed class SeriesKeyTests
{
    [Fact]
    public void Stable_string_forms_for_the_three_levels()
    {
        Assert.Equal("host:api.example.com", SeriesKey.ForHost("api.example.com").ToString());
        Assert.Equal("version:com.app/3.1.0", SeriesKey.ForVersion("com.app", "3.1.0").ToString());
        Assert.Equal("version-host:com.app/3.1.0/api.example.com", SeriesKey.ForVersionHost("com.app", "3.1.0", "api.example.com").ToString());
    }

    [Theory]
    [InlineData("host:api.example.com")]
    [InlineData("version:com.app/3.1.0")]
    [InlineData("version-host:com.app/3.1.0/api.example.com")]
    [InlineData("version:com.app/3.1%2Fbeta%25")]
    public void Parse_round_trips(string text)
    {
        var key = SeriesKey.Parse(text);

        Assert.Equal(text, key.ToString());
    }

    [Fact]
    public void Slashes_and_percent_signs_in_components_are_escaped()
    {
        var key = SeriesKey.ForVersion("com.app", "3.1/beta%");

        Assert.Equal("version:com.app/3.1%2Fbeta%25", key.ToString());
        Assert.Equal(key, SeriesKey.Parse(key.ToString()));
    }

    [Fact]
    public void Hostnames_are_case_insensitive()
    {
        Assert.Equal(SeriesKey.ForHost("api.example.com"), SeriesKey.ForHost("API.Example.com"));
        Assert.Equal("com.app 3.1.0 on api.example.com", SeriesKey.ForVersionHost("com.app", "3.1.0", "API.example.com").Describe());
    }

    [Theory]
    [InlineData("")]
    [InlineData("api.example.com")]
    [InlineData("host:")]
    [InlineData("version:com.app")]
    [InlineData("version-host:com.app/3.1.0")]
    [InlineData("pin:abc")]
    public void Malformed_keys_do_not_parse(string text)
    {
        Assert.False(SeriesKey.TryParse(text, out _));
        Assert.Throws<FormatException>(() => SeriesKey.Parse(text));
    }

    [Fact]
    public void Empty_components_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => SeriesKey.ForVersion("com.app", " "));
    }
}
