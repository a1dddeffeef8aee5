using ReportApi.Domain.Diagnosis;

namespace ReportApi.Domain.Tests.Diagnosis;

public sealed class InterceptionProductsTests
{
    [Theory]
    [InlineData("CN=DO_NOT_TRUST_FiddlerRoot, O=DO_NOT_TRUST, OU=Created by http://www.fiddler2.com", "Fiddler", InterceptionKind.DebuggingProxy)]
    [InlineData("CN=PortSwigger CA, OU=PortSwigger CA, O=PortSwigger, L=PortSwigger, S=PortSwigger, C=PortSwigger", "Burp Suite", InterceptionKind.DebuggingProxy)]
    [InlineData("CN=Proxyman CA (12 Mar 2025\\, MacBook-Pro.local), OU=https://proxyman.io, O=Proxyman Inc, L=Singapore", "Proxyman", InterceptionKind.DebuggingProxy)]
    [InlineData("CN=HTTP Toolkit CA, O=HTTP Toolkit CA, C=XX", "HTTP Toolkit", InterceptionKind.DebuggingProxy)]
    [InlineData("CN=Zscaler Intermediate Root CA (zscaler.net), OU=Zscaler Inc., O=Zscaler Inc.", "Zscaler", InterceptionKind.Inspection)]
    [InlineData("CN=caadmin.netskope.com, O=Netskope Inc", "Netskope", InterceptionKind.Inspection)]
    [InlineData("CN=FortiGate CA, O=Fortinet, C=US", "Fortinet FortiGate", InterceptionKind.Inspection)]
    [InlineData("CN=Cisco Umbrella Secondary SubCA ams-SG, O=Cisco", "Cisco Umbrella", InterceptionKind.Inspection)]
    [InlineData("CN=Kaspersky Anti-Virus Personal Root Certificate, O=AO Kaspersky Lab", "Kaspersky", InterceptionKind.Inspection)]
    [InlineData("CN=Avast Web/Mail Shield Root, O=Avast Web/Mail Shield", "Avast", InterceptionKind.Inspection)]
    [InlineData("CN=ESET SSL Filter CA, O=ESET spol. s r. o.", "ESET", InterceptionKind.Inspection)]
    [InlineData("CN=Blue Coat ProxySG, O=Example Bank", "Blue Coat / Symantec ProxySG", InterceptionKind.Inspection)]
    [InlineData("CN=Globex Forward Trust CA, O=Globex", "a corporate TLS-inspection CA", InterceptionKind.Inspection)]
    public void Known_products_are_recognised(string caName, string product, InterceptionKind kind)
    {
        var found = InterceptionProducts.Find([caName]);

        Assert.NotNull(found);
        Assert.Equal(product, found.Name);
        Assert.Equal(kind, found.Kind);
        Assert.Equal(caName, found.MatchedName);
    }

    [Theory]
    [InlineData("CN=Symantec Class 3 Secure Server CA - G4, OU=Symantec Trust Network, O=Symantec Corporation, C=US")]
    [InlineData("CN=Thawte SSL CA, O=\"Thawte, Inc.\", C=US")]
    [InlineData("CN=Cloudflare Inc ECC CA-3, O=\"Cloudflare, Inc.\", C=US")]
    [InlineData("CN=R11, O=Let's Encrypt, C=US")]
    [InlineData("CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US")]
    public void Public_ca_names_are_not_products(string caName)
    {
        Assert.Null(InterceptionProducts.Find([caName]));
    }

    [Fact]
    public void Wire_codes_are_the_contract_strings()
    {
        Assert.Equal(
            ["server-rotation", "interception-suspected", "certificate-invalid", "client-config-error", "unknown"],
            Enum.GetValues<DiagnosisCode>().Select(c => c.ToWire()));
    }
}
