using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReportApi.Data.Migrations
{
    /// <summary>
    /// Issue #11: the minute rollup gets a <c>writer</c> column in its key, so concurrent group-commit loops upsert
    /// their own row of a bucket and series instead of queueing on one row lock held through each other's commit.
    /// Existing rows become writer 0; readers sum the rows of a bucket and series. Raw SQL: the rollup tables are not
    /// in the EF model (they are partitioned), so the model snapshot does not change.
    /// </summary>
    public partial class ShardMinuteRollupsByWriter : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // On a partitioned table each statement reaches every partition; the new key is built per partition.
            migrationBuilder.Sql("""
                ALTER TABLE failure_rollups_minute ADD COLUMN writer smallint NOT NULL DEFAULT 0;
                ALTER TABLE failure_rollups_minute DROP CONSTRAINT pk_failure_rollups_minute;
                ALTER TABLE failure_rollups_minute ADD CONSTRAINT pk_failure_rollups_minute PRIMARY KEY (bucket, series_id, writer);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Fold each bucket's writer rows back into one before the old key returns.
            migrationBuilder.Sql("""
                CREATE TEMP TABLE folded ON COMMIT DROP AS
                    SELECT bucket, series_id, sum(reports)::integer AS reports, sum(duplicates)::integer AS duplicates,
                           sum(devices)::integer AS devices
                    FROM failure_rollups_minute GROUP BY bucket, series_id;
                DELETE FROM failure_rollups_minute;
                ALTER TABLE failure_rollups_minute DROP CONSTRAINT pk_failure_rollups_minute;
                ALTER TABLE failure_rollups_minute DROP COLUMN writer;
                ALTER TABLE failure_rollups_minute ADD CONSTRAINT pk_failure_rollups_minute PRIMARY KEY (bucket, series_id);
                INSERT INTO failure_rollups_minute (bucket, series_id, reports, duplicates, devices) SELECT * FROM folded;
                """);
        }
    }
}
