using System.Data.Common;

namespace ReportApi.Infrastructure.Sql;

/// <summary>
/// Reading columns by name, so reordering a SELECT list can never shift values into the wrong field. For loops over
/// many rows resolve the ordinals once (<see cref="DbDataReader.GetOrdinal"/>) and read by ordinal; these are for the
/// one-row and few-row reads where the lookup is noise.
/// </summary>
public static class SqlColumns
{
    public static T Get<T>(this DbDataReader reader, string column) => reader.GetFieldValue<T>(reader.GetOrdinal(column));

    /// <summary>A nullable reference column (text, bytea, arrays); <c>GetFieldValue&lt;string&gt;</c> throws on NULL.</summary>
    public static T? GetOrNull<T>(this DbDataReader reader, string column) where T : class
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
    }

    /// <summary>A nullable value column (integer, timestamptz, uuid).</summary>
    public static T? GetNullable<T>(this DbDataReader reader, string column) where T : struct
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
    }
}
