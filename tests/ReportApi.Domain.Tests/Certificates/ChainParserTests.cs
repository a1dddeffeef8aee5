using System.Security.Cryptography;
using System.Text.Json;
using ReportApi.Domain.Certificates;

namespace ReportApi.Domain.Tests.Certificates;

public sealed class ChainParserTests
{
    private static IReadOnlyList<string> SampleChain(string file, string key = "validated-certificate-chain")
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestSamples.Path(file)));
        return [.. document.RootElement.GetProperty(key).EnumerateArray().Select(e => e.GetString()!)];
    }

    [Fact]
    public void Ios_sample_chain_parses_all_three_thawte_certificates()
    {
        var pems = SampleChain("trustkit-ios-docs-sample.json");

        var chain = ChainParser.Parse(pems);

        Assert.Equal(3, chain.Certificates.Count);
        Assert.All(chain.Certificates, c => Assert.Null(c.ParseError));
        Assert.Equal([0, 1, 2], chain.Certificates.Select(c => c.Position));
        Assert.StartsWith("CN=www.datatheorem.com,", chain.Certificates[0].Subject);
        Assert.Equal("CN=Thawte SSL CA, O=\"Thawte, Inc.\", C=US", chain.Certificates[0].Issuer);
        Assert.Equal("CN=Thawte SSL CA, O=\"Thawte, Inc.\", C=US", chain.Certificates[1].Subject);
        Assert.StartsWith("CN=thawte Primary Root CA,", chain.Certificates[1].Issuer);
        Assert.StartsWith("CN=thawte Primary Root CA,", chain.Certificates[2].Subject);
    }

    [Fact]
    public void Ios_sample_fields_match_values_computed_independently_from_the_der()
    {
        var pems = SampleChain("trustkit-ios-docs-sample.json");

        var chain = ChainParser.Parse(pems);

        for (var i = 0; i < pems.Count; i++)
        {
            var der = DerOf(pems[i]);
            var info = chain.Certificates[i];
            Assert.Equal(der, info.Der);
            Assert.Equal(TestPki.SpkiPin(der), info.SpkiSha256);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(der)), info.CertificateSha256);
            Assert.Equal("RSA", info.KeyAlgorithm);
            Assert.Equal(2048, info.KeySize);
        }

        var leaf = chain.Certificates[0];
        Assert.Equal("1550D3B3DB475D7DE2BE1B2D8FF356DB", leaf.SerialNumber);
        Assert.Equal(new DateTimeOffset(2014, 10, 2, 0, 0, 0, TimeSpan.Zero), leaf.NotBefore);
        Assert.Equal(new DateTimeOffset(2015, 11, 1, 23, 59, 59, TimeSpan.Zero), leaf.NotAfter);
        Assert.Equal(TimeSpan.Zero, leaf.NotAfter!.Value.Offset);
        Assert.Equal(["www.datatheorem.com"], leaf.DnsNames);
        Assert.False(leaf.IsCertificateAuthority);
        Assert.False(leaf.IsSelfIssued);

        Assert.True(chain.Certificates[1].IsCertificateAuthority);
        Assert.False(chain.Certificates[1].IsSelfIssued);
        Assert.True(chain.Certificates[2].IsCertificateAuthority);
        Assert.True(chain.Certificates[2].IsSelfIssued);
    }

    [Fact]
    public void Ios_sample_pins_match_no_certificate_of_its_chain()
    {
        var chain = ChainParser.Parse(SampleChain("trustkit-ios-docs-sample.json"));
        string[] pins = ["rFjc3wG7lTZe43zeYTvPq8k4xdDEutCmIhI5dn4oCeE=", "TQEtdMbmwFgYUifM4LDF+xgEtd0z69mPGmkp014d6ZY="];

        Assert.DoesNotContain(chain.Certificates, c => pins.Contains(c.SpkiSha256));
    }

    [Fact]
    public void Crlf_and_lf_pems_of_one_certificate_give_the_same_fingerprint_and_spki()
    {
        var root = TestPki.Root("CN=Parser Root", "parser-root");
        var leaf = TestPki.Leaf("api.example.com", "parser-leaf", root, "parser-root");
        var ios = TestPki.IosPem(leaf);
        var android = TestPki.AndroidPem(leaf);
        Assert.Contains("\r\n", ios);
        Assert.DoesNotContain("\r", android);
        Assert.EndsWith("\n", android);

        var fromIos = ChainParser.Parse([ios, TestPki.IosPem(root)]);
        var fromAndroid = ChainParser.Parse([android, TestPki.AndroidPem(root)]);

        Assert.Equal(fromIos.FingerprintHex, fromAndroid.FingerprintHex);
        Assert.Equal(TestPki.SpkiPin(leaf), fromIos.Certificates[0].SpkiSha256);
        Assert.Equal(TestPki.SpkiPin(leaf), fromAndroid.Certificates[0].SpkiSha256);
        Assert.Equal("ECDSA", fromIos.Certificates[0].KeyAlgorithm);
        Assert.Equal(256, fromIos.Certificates[0].KeySize);
        Assert.Equal(["api.example.com"], fromAndroid.Certificates[0].DnsNames);
        Assert.Equal(ios, fromIos.Certificates[0].RawPem);
        Assert.Equal(android, fromAndroid.Certificates[0].RawPem);
    }

    [Fact]
    public void Fingerprint_is_length_prefixed_sha256_of_der_then_raw_text()
    {
        var root = TestPki.Root("CN=Fingerprint Root", "fp-root");
        const string garbage = "not a certificate";
        var expected = SHA256.HashData([.. Prefixed(root.RawData), .. Prefixed(System.Text.Encoding.UTF8.GetBytes(garbage))]);

        var chain = ChainParser.Parse([TestPki.AndroidPem(root), garbage]);

        Assert.Equal(expected, chain.Fingerprint);
    }

    [Fact]
    public void Chain_order_changes_the_fingerprint()
    {
        var root = TestPki.Root("CN=Order Root", "order-root");
        var leaf = TestPki.Leaf("order.example.com", "order-leaf", root, "order-root");

        var forward = ChainParser.Parse([TestPki.IosPem(leaf), TestPki.IosPem(root)]);
        var reversed = ChainParser.Parse([TestPki.IosPem(root), TestPki.IosPem(leaf)]);

        Assert.NotEqual(forward.FingerprintHex, reversed.FingerprintHex);
    }

    [Fact]
    public void Empty_chain_has_the_sha256_of_nothing_as_fingerprint()
    {
        var chain = ChainParser.Parse([]);

        Assert.Empty(chain.Certificates);
        Assert.Null(chain.Leaf);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", chain.FingerprintHex);
    }

    [Fact]
    public void Rfc7469_placeholder_pems_get_a_parse_error_and_keep_their_text()
    {
        var served = SampleChain("rfc7469-placeholder-pems.json", "served-certificate-chain");
        var validated = SampleChain("rfc7469-placeholder-pems.json", "validated-certificate-chain");

        var chain = ChainParser.Parse([.. served, .. validated]);

        Assert.Equal(2, chain.Certificates.Count);
        Assert.All(chain.Certificates, c =>
        {
            Assert.False(c.Parsed);
            Assert.Equal("PEM block does not contain a valid X.509 certificate", c.ParseError);
            Assert.Null(c.Der);
            Assert.Null(c.SpkiSha256);
            Assert.Null(c.Subject);
        });
        Assert.Equal(served[0], chain.Certificates[0].RawPem);
        Assert.Equal(validated[0], chain.Certificates[1].RawPem);
    }

    [Theory]
    [InlineData("", "empty certificate string")]
    [InlineData("   \n", "empty certificate string")]
    [InlineData("garbage !!! %%%", "not PEM and not base64 DER")]
    [InlineData("aGVsbG8gd29ybGQ=", "base64 does not decode to a valid X.509 certificate")]
    [InlineData("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----", "PEM block does not contain a valid X.509 certificate")]
    [InlineData("-----BEGIN CERTIFICATE-----\nMIIE2TCCA8Gg...\n-----END CERTIFICATE-----", "PEM block does not contain a valid X.509 certificate")]
    public void Malformed_elements_get_a_parse_error_without_throwing(string raw, string expectedError)
    {
        var chain = ChainParser.Parse([raw]);

        var info = Assert.Single(chain.Certificates);
        Assert.Equal(expectedError, info.ParseError);
        Assert.Equal(raw, info.RawPem);
        Assert.Equal(0, info.Position);
    }

    [Fact]
    public void A_null_element_becomes_an_empty_string_error()
    {
        var chain = ChainParser.Parse([null!]);

        Assert.Equal("empty certificate string", Assert.Single(chain.Certificates).ParseError);
    }

    [Fact]
    public void Bare_base64_der_is_accepted_and_fingerprints_like_the_pem()
    {
        var root = TestPki.Root("CN=Base64 Root", "b64-root");

        var bare = ChainParser.Parse([Convert.ToBase64String(root.RawData)]);
        var pem = ChainParser.Parse([TestPki.IosPem(root)]);

        Assert.True(bare.Certificates[0].Parsed);
        Assert.Equal("CN=Base64 Root", bare.Certificates[0].Subject);
        Assert.Equal(pem.FingerprintHex, bare.FingerprintHex);
    }

    [Fact]
    public void A_broken_element_does_not_hide_its_neighbours()
    {
        var root = TestPki.Root("CN=Neighbour Root", "neighbour-root");
        var leaf = TestPki.Leaf("n.example.com", "neighbour-leaf", root, "neighbour-root");

        var chain = ChainParser.Parse([TestPki.IosPem(leaf), "garbage", TestPki.AndroidPem(root)]);

        Assert.True(chain.Certificates[0].Parsed);
        Assert.False(chain.Certificates[1].Parsed);
        Assert.True(chain.Certificates[2].Parsed);
        Assert.Equal("CN=Neighbour Root", chain.Certificates[2].Subject);
        Assert.Equal(2, chain.Certificates[2].Position);
    }

    [Fact]
    public void Duplicate_certificates_are_kept_at_their_positions()
    {
        var root = TestPki.Root("CN=Duplicate Root", "dup-root");
        var pem = TestPki.IosPem(root);

        var chain = ChainParser.Parse([pem, pem, TestPki.AndroidPem(root)]);

        Assert.Equal(3, chain.Certificates.Count);
        Assert.Single(chain.Certificates.Select(c => c.CertificateSha256).Distinct());
        Assert.NotEqual(ChainParser.Parse([pem]).FingerprintHex, chain.FingerprintHex);
    }

    [Fact]
    public void Twenty_element_chain_parses_every_element()
    {
        var root = TestPki.Root("CN=Long Root", "long-root");
        var certificates = new List<System.Security.Cryptography.X509Certificates.X509Certificate2> { root };
        for (var i = 1; i < 20; i++)
        {
            certificates.Add(TestPki.Intermediate($"CN=Level {i}", $"long-{i}", certificates[^1], i == 1 ? "long-root" : $"long-{i - 1}"));
        }

        certificates.Reverse();
        var chain = ChainParser.Parse([.. certificates.Select(TestPki.AndroidPem)]);

        Assert.Equal(20, chain.Certificates.Count);
        Assert.All(chain.Certificates, c => Assert.True(c.Parsed));
        Assert.Equal("CN=Level 19", chain.Certificates[0].Subject);
        Assert.Equal("CN=Long Root", chain.Certificates[19].Subject);
        Assert.Equal(20, chain.Certificates.Select(c => c.SpkiSha256).Distinct().Count());
    }

    [Fact]
    public void Rsa_key_size_and_self_signed_leaf_flags_are_reported()
    {
        var leaf = TestPki.RsaLeafSelfSigned("rsa.example.com");

        var info = ChainParser.Parse([TestPki.IosPem(leaf)]).Certificates[0];

        Assert.Equal("RSA", info.KeyAlgorithm);
        Assert.Equal(2048, info.KeySize);
        Assert.True(info.IsSelfIssued);
        Assert.False(info.IsCertificateAuthority);
        Assert.Equal(TestPki.SpkiPin(leaf), info.SpkiSha256);
    }

    private static byte[] DerOf(string pem)
    {
        var fields = System.Security.Cryptography.PemEncoding.Find(pem);
        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    private static byte[] Prefixed(byte[] content)
    {
        var prefix = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(prefix, content.Length);
        return [.. prefix, .. content];
    }
}
