using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;
using NpgsqlTypes;

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
        while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = dataSource.CreateCommand(ConsoleSql.StoreDataProtectionKey);
        command.Parameters.Add(new NpgsqlParameter { Value = friendlyName, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting), NpgsqlDbType = NpgsqlDbType.Text });
        command.ExecuteNonQuery();
    }

    public static void Register(IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((o, db) => o.XmlRepository = new DataProtectionKeys(db));
    }
}
