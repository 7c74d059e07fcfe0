//! A small builder over sea-query's table statements that keeps the schema's rules in
//! one place: every table has an `id BIGINT` identity key, foreign keys are declared with
//! their column, and every foreign key column ends up as the leading column of some
//! index (added automatically when no declared index covers it).

use sea_orm_migration::prelude::*;

pub struct TableSpec {
    name: &'static str,
    create: TableCreateStatement,
    foreign_keys: Vec<&'static str>,
    indexes: Vec<(Vec<&'static str>, bool)>,
}

impl TableSpec {
    pub fn new(name: &'static str) -> TableSpec {
        let mut create = Table::create();
        create.table(name).col(
            ColumnDef::new("id")
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        );
        TableSpec {
            name,
            create,
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
        }
    }

    pub fn col(mut self, column: ColumnDef) -> TableSpec {
        self.create.col(column);
        self
    }

    /// A `BIGINT` column referencing `target(id)`.
    pub fn fk(
        mut self,
        column: &'static str,
        target: &'static str,
        null: bool,
        on_delete: ForeignKeyAction,
    ) -> TableSpec {
        let mut def = ColumnDef::new(column);
        def.big_integer();
        if null {
            def.null();
        } else {
            def.not_null();
        }
        self.create.col(def).foreign_key(
            ForeignKey::create()
                .name(format!("fk_{}_{}", self.name, column))
                .from(self.name, column)
                .to(target, "id")
                .on_delete(on_delete)
                .on_update(ForeignKeyAction::NoAction),
        );
        self.foreign_keys.push(column);
        self
    }

    /// The usual `created_at` and `updated_at`, both set by the application in UTC.
    pub fn timestamps(self) -> TableSpec {
        self.col(ts("created_at")).col(ts("updated_at"))
    }

    pub fn index(mut self, columns: &[&'static str]) -> TableSpec {
        self.indexes.push((columns.to_vec(), false));
        self
    }

    pub fn unique(mut self, columns: &[&'static str]) -> TableSpec {
        self.indexes.push((columns.to_vec(), true));
        self
    }

    /// Creates the table and its indexes.
    pub async fn create(mut self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        let uncovered: Vec<&'static str> = self
            .foreign_keys
            .iter()
            .copied()
            .filter(|fk| !self.indexes.iter().any(|(cols, _)| cols[0] == *fk))
            .collect();
        for fk in uncovered {
            self.indexes.push((vec![fk], false));
        }
        manager.create_table(self.create).await?;
        for (columns, unique) in &self.indexes {
            let prefix = if *unique { "ux" } else { "ix" };
            let mut index = Index::create();
            index
                .name(format!("{prefix}_{}_{}", self.name, columns.join("_")))
                .table(self.name);
            for column in columns {
                index.col(*column);
            }
            if *unique {
                index.unique();
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }
}

// Column shorthands. Text is `text` on both backends (PostgreSQL recommends it over
// varchar(n); lengths are checked by the application's types).

pub fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

pub fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

/// A text column with a default, e.g. a status.
pub fn text_default(name: &'static str, default: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .text()
        .not_null()
        .default(default)
        .take()
}

pub fn int(name: &'static str, default: i32) -> ColumnDef {
    ColumnDef::new(name)
        .integer()
        .not_null()
        .default(default)
        .take()
}

pub fn int_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().null().take()
}

pub fn big(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

pub fn big_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().take()
}

/// Money: an amount in the currency's minor unit (cents), never a float.
pub fn money(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(0)
        .take()
}

/// An ISO 4217 currency code, lower case as Stripe sends it (`usd`).
pub fn currency() -> ColumnDef {
    ColumnDef::new("currency").char_len(3).not_null().take()
}

pub fn double(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).double().not_null().take()
}

pub fn double_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).double().null().take()
}

pub fn flag(name: &'static str, default: bool) -> ColumnDef {
    ColumnDef::new(name)
        .boolean()
        .not_null()
        .default(default)
        .take()
}

/// An instant in UTC: `timestamptz` on PostgreSQL, ISO 8601 text on SQLite.
pub fn ts(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

pub fn ts_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .take()
}

/// JSON: `jsonb` on PostgreSQL, text on SQLite.
pub fn json(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).json_binary().not_null().take()
}

pub fn json_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).json_binary().null().take()
}
