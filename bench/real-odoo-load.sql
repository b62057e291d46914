-- real-odoo-load.sql — fills an Odoo 14–18 database with :contacts bulk partners (see
-- bench/real-odoo-load.sh, which runs it with psql -v contacts=N -v cn=<res_country id of CN>
-- -v us=<id of US>). Deterministic: partner number i always gets the same name, numbers, country
-- and dates, so runs compare.
--
-- What a partner looks like (i = 1..N, h = a hash of i):
--   * every 10th (i % 10 = 1) is a company; 30 % of the people belong to one (parent_id,
--     commercial_company_name, complete_name "Company, Person" as Odoo computes them);
--   * `phone` in one of 17 styles, about 65 % Chinese and 35 % US numbers, written the way people
--     type them: "+86 138 0013 8000", "+8613800138000", "13800138000", "138-0013-8000",
--     "0086 13800138000", "(+86) 138 0013 8000", "010-6552 9988", "+86 21 65529988",
--     "(0755) 65529988", "+1 (415) 862-3301", "(415) 862-3301", "415.862.3301", "+14158623301",
--     "1-415-862-3301", "+1 415-862-3301 ext. 12"; about 0.5 % numbers no library accepts
--     ("+1 555-123-4567" style, short internal numbers);
--   * national US styles carry the United States as country, national Chinese ones China or no
--     country (the company's, China, applies); international ones mostly none;
--   * 15 % of the people also have a `mobile` (a Chinese 19x mobile);
--   * `phone_sanitized` as Odoo's phone_validation stores it (E.164 of mobile, else phone, when
--     the number is valid; empty for the invalid ones);
--   * 1 % archived (active = false);
--   * write_date spread over the year before yesterday, create_date before it.
-- Every phone and mobile number is unique (bijections of i), so a number finds one record.

\set ON_ERROR_STOP on
SET session_replication_role = replica;   -- no FK triggers while bulk loading (ids are checked below)
SET synchronous_commit = off;

CREATE TEMP TABLE rd_gen AS
SELECT i,
       (i::bigint * 2654435761) % 4294967296 AS h,
       (SELECT COALESCE(max(id), 0) FROM res_partner) + i AS id
FROM generate_series(1, :contacts) AS i;

CREATE TEMP TABLE rd_names AS
SELECT g.i, g.id, g.h,
       (g.i % 10 = 1) AS is_company,
       -- a person's company: one of the companies (i' % 10 = 1), chosen by the hash
       CASE WHEN g.i % 10 <> 1 AND (g.h / 7) % 10 < 3
            THEN ((g.h / 101) % ((:contacts + 9) / 10)) * 10 + 1 END AS parent_i,
       CASE WHEN g.i % 10 = 1 THEN
              CASE WHEN (g.h / 3) % 2 = 0
                   THEN (ARRAY['北京','上海','深圳','广州','杭州','成都','南京','武汉'])[1 + (g.h / 2) % 8]
                        || (ARRAY['华','星','汇','联','创','达','信','通'])[1 + (g.h / 16) % 8]
                        || (ARRAY['科技','贸易','电子','物流','医药','软件'])[1 + (g.h / 128) % 6]
                        || '有限公司 ' || g.i
                   ELSE (ARRAY['Acme','Globex','Initech','Umbrella','Stark','Wayne','Hooli','Vandelay'])[1 + (g.h / 2) % 8]
                        || ' ' || (ARRAY['Trading','Logistics','Software','Medical','Foods','Systems'])[1 + (g.h / 16) % 6]
                        || ' ' || g.i || ' Inc.'
              END
            WHEN g.h % 5 < 2 THEN
              (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','马','朱','胡','郭'])[1 + (g.h / 5) % 16]
              || (ARRAY['伟','芳','娜','敏','静','丽','强','磊','军','洋','勇','艳','杰','娟','涛','明','超','秀英','晓东','建华'])[1 + (g.h / 80) % 20]
            ELSE
              (ARRAY['James','Mary','John','Patricia','Robert','Jennifer','Michael','Linda','David','Susan','Wei','Li','Emily','Daniel','Sophia','Kevin'])[1 + (g.h / 5) % 16]
              || ' ' ||
              (ARRAY['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Wang','Chen','Lee','Wilson','Taylor','Clark','Lewis','Walker','Young','Hall','King','Wright'])[1 + (g.h / 80) % 20]
       END AS name
FROM rd_gen g;

CREATE TEMP TABLE rd_rows AS
SELECT n.*,
       (n.h / 1000) % 200 AS style,
       -- bijections of i (the multipliers are coprime with the moduli): unique digits per partner
       lpad(((n.i::bigint * 14348907) % 100000000)::text, 8, '0') AS m8,        -- mobile, after the prefix
       ((n.i::bigint * 19487171) % 70000000 + 20000000)::text AS eight,         -- landline, 2xxx xxxx–8xxx xxxx
       ((n.i::bigint * 4782969) % 8000000 + 2000000)::text AS seven,            -- US subscriber, 2xx xxxx–9xx xxxx
       lpad(((n.i::bigint * 1162261467) % 100000000)::text, 8, '0') AS mob8,    -- second mobile
       (ARRAY['130','131','132','133','135','136','137','138','139','150','151','152','153','155','156',
              '157','158','159','180','181','182','183','185','186','187','188','189'])[1 + (n.h / 3) % 27] AS mp,
       (ARRAY['10','21','755','20'])[1 + (n.h / 11) % 4] AS area_cn,
       (ARRAY['212','415','646','312','213','617','206','305','512','702'])[1 + (n.h / 13) % 10] AS area_us,
       (n.h / 17) % 100 < 15 AND n.i % 10 <> 1 AS has_mobile,
       (n.h / 19) % 2 = 0 AS cn_country
FROM rd_names n;

CREATE TEMP TABLE rd_final AS
SELECT x.i, x.id, x.h, x.is_company, x.parent_i, x.name, x.has_mobile,
       x.mp || x.m8 AS m11,
       '19' || (ARRAY['8','9'])[1 + (x.h / 23) % 2] || x.mob8 AS mobile11,
       CASE
         WHEN x.style < 1   THEN '+1 555-' || substr(x.seven, 1, 3) || '-' || substr(x.seven, 4, 4)   -- no such area code
         WHEN x.style < 2   THEN substr(x.seven, 1, 4)                                                  -- an internal extension
         WHEN x.style < 30  THEN '+86 ' || x.mp || ' ' || substr(x.m8, 1, 4) || ' ' || substr(x.m8, 5, 4)
         WHEN x.style < 45  THEN '+86' || x.mp || x.m8
         WHEN x.style < 65  THEN x.mp || x.m8
         WHEN x.style < 80  THEN x.mp || '-' || substr(x.m8, 1, 4) || '-' || substr(x.m8, 5, 4)
         WHEN x.style < 85  THEN '0086 ' || x.mp || x.m8
         WHEN x.style < 90  THEN '(+86) ' || x.mp || ' ' || substr(x.m8, 1, 4) || ' ' || substr(x.m8, 5, 4)
         WHEN x.style < 105 THEN '0' || x.area_cn || '-' || substr(x.eight, 1, 4) || ' ' || substr(x.eight, 5, 4)
         WHEN x.style < 115 THEN '+86 ' || x.area_cn || ' ' || x.eight
         WHEN x.style < 130 THEN '(0' || x.area_cn || ') ' || x.eight
         WHEN x.style < 150 THEN '+1 (' || x.area_us || ') ' || substr(x.seven, 1, 3) || '-' || substr(x.seven, 4, 4)
         WHEN x.style < 165 THEN '(' || x.area_us || ') ' || substr(x.seven, 1, 3) || '-' || substr(x.seven, 4, 4)
         WHEN x.style < 175 THEN x.area_us || '.' || substr(x.seven, 1, 3) || '.' || substr(x.seven, 4, 4)
         WHEN x.style < 185 THEN '+1' || x.area_us || x.seven
         WHEN x.style < 195 THEN '1-' || x.area_us || '-' || substr(x.seven, 1, 3) || '-' || substr(x.seven, 4, 4)
         ELSE                    '+1 ' || x.area_us || '-' || substr(x.seven, 1, 3) || '-' || substr(x.seven, 4, 4)
                                 || ' ext. ' || (10 + x.i % 90)
       END AS phone,
       CASE
         WHEN x.style < 2   THEN NULL
         WHEN x.style < 90  THEN '+86' || x.mp || x.m8
         WHEN x.style < 130 THEN '+86' || x.area_cn || x.eight
         ELSE                    '+1' || x.area_us || x.seven
       END AS phone_e164,
       CASE
         WHEN x.style < 2 THEN NULL
         WHEN x.style >= 150 AND x.style < 195 THEN :us                          -- national US styles
         WHEN x.style >= 130 THEN CASE WHEN x.h % 3 = 0 THEN :us END             -- international US
         WHEN x.style < 45 OR (x.style >= 105 AND x.style < 115)
              THEN CASE WHEN x.h % 4 = 0 THEN :cn END                            -- international CN
         ELSE CASE WHEN x.cn_country THEN :cn END                                -- national CN: China or none
       END AS country_id
FROM rd_rows x;

INSERT INTO res_partner (id, name, complete_name, type, active, is_company, parent_id,
                         commercial_partner_id, commercial_company_name, lang, email, email_normalized,
                         phone, mobile, phone_sanitized, country_id, partner_share, employee, color,
                         create_uid, write_uid, create_date, write_date)
SELECT f.id, f.name,
       CASE WHEN p.id IS NOT NULL THEN p.name || ', ' || f.name ELSE f.name END,
       'contact', (f.h / 29) % 100 <> 0, f.is_company, p.id,
       COALESCE(p.id, f.id), CASE WHEN f.is_company THEN f.name ELSE p.name END,
       'en_US', 'contact' || f.i || '@example.com', 'contact' || f.i || '@example.com',
       f.phone,
       CASE WHEN f.has_mobile THEN '+86 ' || substr(f.mobile11, 1, 3) || ' ' || substr(f.mobile11, 4, 4)
                                   || ' ' || substr(f.mobile11, 8, 4) END,
       CASE WHEN f.has_mobile THEN '+86' || f.mobile11 ELSE f.phone_e164 END,
       f.country_id, true, false, 0, 2, 2,
       (now() AT TIME ZONE 'UTC') - interval '1 day' - ((f.h % 31536000) + (f.h % 86400)) * interval '1 second',
       (now() AT TIME ZONE 'UTC') - interval '1 day' - (f.h % 31536000) * interval '1 second'
FROM rd_final f
LEFT JOIN rd_final p ON p.i = f.parent_i
ORDER BY f.id;   -- stored in id order, as a database that grew over time

SELECT setval('res_partner_id_seq', (SELECT max(id) FROM res_partner));
SET session_replication_role = origin;
-- What the FK triggers would have checked.
SELECT count(*) AS dangling_parents FROM res_partner c WHERE c.parent_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM res_partner p WHERE p.id = c.parent_id);
ANALYZE res_partner;
SELECT count(*) AS partners, count(*) FILTER (WHERE NOT active) AS archived,
       count(*) FILTER (WHERE is_company) AS companies, count(phone) AS phones, count(mobile) AS mobiles
FROM res_partner;
