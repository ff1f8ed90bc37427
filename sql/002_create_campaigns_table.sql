-- Campaigns (API-CONTRACT.md section 6, "campaigns"); pricing columns come in 006.
CREATE TABLE campaigns (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    name varchar(255) NOT NULL,
    description text,
    status varchar(20) DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'completed')),
    budget_total decimal(12,2) NOT NULL CHECK (budget_total > 0),
    budget_spent decimal(12,2) DEFAULT 0.00,
    start_date timestamptz NOT NULL,
    end_date timestamptz NOT NULL,
    created_by uuid REFERENCES users(id),
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    CONSTRAINT valid_dates CHECK (end_date > start_date),
    CONSTRAINT valid_budget CHECK (budget_spent <= budget_total)
);

CREATE INDEX idx_campaigns_status ON campaigns (status);
CREATE INDEX idx_campaigns_dates ON campaigns (start_date, end_date);
CREATE INDEX idx_campaigns_created_by ON campaigns (created_by);

COMMENT ON INDEX idx_campaigns_status IS 'the catalog builder and list filters select by status';
COMMENT ON INDEX idx_campaigns_dates IS 'flight-window filters of the list and the catalog';
COMMENT ON INDEX idx_campaigns_created_by IS 'every admin read is scoped to the owner';

CREATE TRIGGER update_campaigns_updated_at BEFORE UPDATE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
