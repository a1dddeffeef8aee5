using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;
using ReportApi.Infrastructure.Sql;

namespace ReportApi.ResponderConsole;

/// <summary>
/// The data-protection key ring (which encrypts the console's session and antiforgery cookies) in PostgreSQL, table
/// <c>data_protection_keys</c>: every replica reads the same keys, so a session signed in on one replica is valid on
/// all, and a restart or a new container does not sign everyone out. The read-only Grafana role cannot read the table.
/// </summary>
internal sealed class DataProtectionKeys(NpgsqlDataSource dataSource) : IXmlRepository
{
    public const string ApplicationName = "PinReports";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = dataSource.CreateCommand(ConsoleSql.DataProtectionKeys);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        var xml = reader.GetOrdinal("xml");
        while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(xml)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = dataSource.CreateCommand(ConsoleSql.StoreDataProtectionKey);
        command.Parameters.Arg(friendlyName).Arg(element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }

    public static void Register(IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((o, db) => o.XmlRepository = new DataProtectionKeys(db));
    }
}
