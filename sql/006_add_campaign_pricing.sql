-- Pricing model and rates (contract 3.3.3, section 6).
ALTER TABLE campaigns
    ADD COLUMN pricing_model varchar(20) NOT NULL DEFAULT 'cpm',
    ADD COLUMN cpm_rate numeric(10,2) DEFAULT NULL,
    ADD COLUMN cpc_rate numeric(10,2) DEFAULT NULL,
    ADD COLUMN cpv_rate numeric(10,2) DEFAULT NULL;

ALTER TABLE campaigns
    ADD CONSTRAINT campaigns_pricing_model_check
        CHECK (pricing_model IN ('cpm', 'cpc', 'cpv', 'flat')),
    ADD CONSTRAINT campaigns_pricing_rate_check CHECK (
        (pricing_model = 'cpm' AND cpm_rate IS NOT NULL AND cpm_rate > 0)
        OR (pricing_model = 'cpc' AND cpc_rate IS NOT NULL AND cpc_rate > 0)
        OR (pricing_model = 'cpv' AND cpv_rate IS NOT NULL AND cpv_rate > 0)
        OR pricing_model = 'flat');
