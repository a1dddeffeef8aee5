using Npgsql;
using NpgsqlTypes;

namespace ReportApi.Infrastructure.Sql;

/// <summary>
/// The one way to bind a parameter: <c>command.Parameters.Arg(id).Arg(since).Arg(names)</c> binds $1, $2, $3 in
/// call order. Generic <see cref="NpgsqlParameter{T}"/> so values are not boxed and the PostgreSQL type comes from
/// the CLR type (long → bigint, string[] → text[], DateOnly[] → date[], TimeSpan → interval, Guid? → uuid);
/// null and <see cref="Nullable{T}"/> values bind as typed SQL NULL (checked against Npgsql 10 in
/// <c>SqlParametersTests</c>). Pass an <see cref="NpgsqlDbType"/> only where the CLR type is ambiguous
/// (a long for an integer column, a string for jsonb).
/// </summary>
public static class SqlParameters
{
    public static NpgsqlParameterCollection Arg<T>(this NpgsqlParameterCollection parameters, T value)
    {
        parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
        return parameters;
    }

    public static NpgsqlParameterCollection Arg<T>(this NpgsqlParameterCollection parameters, T value, NpgsqlDbType type)
    {
        parameters.Add(new NpgsqlParameter<T> { TypedValue = value, NpgsqlDbType = type });
        return parameters;
    }

    /// <summary>timestamptz accepts only offset 0; every instant is bound in UTC so a caller's local offset can
    /// never turn into an ArgumentException at execution.</summary>
    public static NpgsqlParameterCollection Arg(this NpgsqlParameterCollection parameters, DateTimeOffset value) =>
        parameters.Arg<DateTimeOffset>(value.ToUniversalTime(), NpgsqlDbType.TimestampTz);

    public static NpgsqlParameterCollection Arg(this NpgsqlParameterCollection parameters, DateTimeOffset? value) =>
        parameters.Arg<DateTimeOffset?>(value?.ToUniversalTime(), NpgsqlDbType.TimestampTz);

    /// <summary>Named form (<c>@name</c> or <c>:name</c> in the SQL) for statements that use a value twice.</summary>
    public static NpgsqlParameterCollection Arg<T>(this NpgsqlParameterCollection parameters, string name, T value)
    {
        parameters.Add(new NpgsqlParameter<T>(name, value));
        return parameters;
    }

    public static NpgsqlParameterCollection Arg(this NpgsqlParameterCollection parameters, string name, DateTimeOffset value)
    {
        parameters.Add(new NpgsqlParameter<DateTimeOffset>(name, NpgsqlDbType.TimestampTz) { TypedValue = value.ToUniversalTime() });
        return parameters;
    }
}
