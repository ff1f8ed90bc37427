-- Users of the admin API (API-CONTRACT.md section 6, "users").
-- Applied inside one transaction by `adserverd migrate`.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    email varchar(255) NOT NULL UNIQUE,
    password_hash varchar(255) NOT NULL,
    name varchar(255) NOT NULL,
    role varchar(20) DEFAULT 'advertiser' CHECK (role IN ('advertiser', 'admin', 'viewer')),
    status varchar(20) DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'suspended')),
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now()
);

CREATE INDEX idx_users_email ON users (email);
CREATE INDEX idx_users_status ON users (status);
CREATE INDEX idx_users_role ON users (role);

COMMENT ON INDEX idx_users_email IS 'login looks users up by exact e-mail';
COMMENT ON INDEX idx_users_status IS 'kept from the reference schema; admin filters by status';
COMMENT ON INDEX idx_users_role IS 'kept from the reference schema; admin filters by role';

-- Shared by every table with an updated_at column maintained by trigger.
CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
