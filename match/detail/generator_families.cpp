// Job families: skill pools overlap where trades do (python in data, ML, backend and DevOps;
// excel in accounting and logistics), which is what makes the skills factor discriminate less
// than a toy vocabulary would. Salaries are yearly mid-level pay at a country factor of 1.
#include "match/detail/generator_tables.hpp"

namespace jobmesh::match::detail {

namespace {

std::vector<job_family> technology_families() {
  return {
      {"Data Engineering", "Technology", {"Data Platforms", "Analytics", "Streaming"},
       {"python", "sql", "spark", "airflow", "kafka", "dbt", "snowflake", "bigquery", "scala", "hadoop", "etl",
        "data modeling", "postgresql", "aws", "terraform", "docker", "flink", "databricks", "pandas", "redshift",
        "data warehousing", "delta lake", "hive", "data quality", "kubernetes", "java"},
       {"aws certified data analytics", "gcp professional data engineer", "databricks certified engineer"}, 85'000,
       {"Data Engineer", "Analytics Engineer", "Data Platform Engineer"}, 0.9},
      {"Machine Learning", "Technology", {"Research", "MLOps", "Computer Vision"},
       {"python", "machine learning", "pytorch", "tensorflow", "scikit-learn", "numpy", "pandas", "statistics",
        "deep learning", "nlp", "computer vision", "mlflow", "kubernetes", "sql", "spark", "cuda", "r",
        "transformers", "xgboost", "feature engineering", "time series", "reinforcement learning", "jupyter",
        "hugging face", "llm fine-tuning", "a/b testing"},
       {"tensorflow developer certificate", "aws certified machine learning"}, 95'000,
       {"ML Engineer", "Data Scientist", "Applied Scientist"}, 0.95},
      {"Backend", "Technology", {"APIs", "Payments", "Platform"},
       {"java", "go", "python", "kotlin", "spring", "postgresql", "redis", "kafka", "grpc", "rest", "microservices",
        "docker", "kubernetes", "c++", "rust", "node.js", "mysql", "rabbitmq", "aws", "graphql", "typescript", "c#",
        ".net", "mongodb", "elasticsearch", "system design"},
       {"oracle certified professional java", "aws developer associate"}, 80'000,
       {"Backend Engineer", "Software Engineer", "API Engineer"}, 0.85},
      {"Frontend", "Technology", {"Web Apps", "Design Systems", "E-commerce"},
       {"javascript", "typescript", "react", "vue", "angular", "css", "html", "webpack", "vite", "next.js", "redux",
        "jest", "playwright", "accessibility", "figma", "graphql", "tailwind", "svelte", "sass", "cypress",
        "storybook", "web performance", "responsive design", "node.js"},
       {}, 72'000, {"Frontend Engineer", "Web Developer", "UI Engineer"}, 0.75},
      {"DevOps", "Technology", {"SRE", "Cloud", "Security"},
       {"kubernetes", "docker", "terraform", "aws", "gcp", "azure", "ansible", "linux", "prometheus", "grafana",
        "ci/cd", "bash", "python", "go", "helm", "nginx", "jenkins", "networking", "github actions", "argo cd",
        "vault", "elk stack", "istio", "puppet", "incident response"},
       {"certified kubernetes administrator", "aws solutions architect", "azure administrator"}, 83'000,
       {"DevOps Engineer", "Site Reliability Engineer", "Cloud Engineer"}, 0.75},
      {"Mobile", "Technology", {"iOS", "Android", "Cross-platform"},
       {"swift", "kotlin", "java", "objective-c", "flutter", "dart", "react native", "xcode", "android studio",
        "firebase", "rest", "graphql", "ui design", "testing", "swiftui", "jetpack compose", "core data", "room",
        "app store publishing", "push notifications", "accessibility", "typescript"},
       {}, 75'000, {"iOS Developer", "Android Developer", "Mobile Engineer"}, 0.8},
  };
}

std::vector<job_family> other_families() {
  return {
      {"Nursing", "Healthcare", {"Intensive Care", "Pediatrics", "Elderly Care"},
       {"patient care", "triage", "medication administration", "wound care", "iv therapy", "patient records",
        "infection control", "emergency care", "pediatric care", "geriatric care", "cpr", "care planning",
        "vital signs monitoring", "phlebotomy", "palliative care", "patient education", "catheterization",
        "icu care", "electronic health records", "mental health nursing", "ventilator management",
        "discharge planning"},
       {"registered nurse", "bls", "acls", "pals"}, 48'000, {"Registered Nurse", "Staff Nurse", "Charge Nurse"}, 0.7},
      {"Accounting", "Finance", {"Audit", "Tax", "Controlling"},
       {"bookkeeping", "ifrs", "gaap", "excel", "sap", "tax", "audit", "financial reporting", "reconciliation",
        "payroll", "budgeting", "forecasting", "datev", "accounts payable", "accounts receivable", "vat",
        "month-end close", "quickbooks", "xero", "cost accounting", "consolidation", "internal controls",
        "financial analysis", "oracle financials"},
       {"cpa", "acca", "cima"}, 58'000, {"Accountant", "Financial Controller", "Auditor"}, 0.8},
      {"Sales", "Commerce", {"B2B", "Retail", "Account Management"},
       {"negotiation", "crm", "salesforce", "cold calling", "lead generation", "account management", "b2b sales",
        "presentation", "hubspot", "pipeline management", "closing", "customer success", "prospecting",
        "saas sales", "key account management", "sales forecasting", "contract negotiation",
        "linkedin sales navigator", "solution selling", "territory management", "upselling", "tender management"},
       {}, 52'000, {"Account Executive", "Sales Manager", "Business Developer"}, 0.55},
      {"Design", "Creative", {"Product Design", "Brand", "UX Research"},
       {"figma", "sketch", "user research", "prototyping", "ui design", "ux design", "adobe xd", "illustrator",
        "photoshop", "design systems", "usability testing", "typography", "wireframing", "interaction design",
        "information architecture", "motion design", "after effects", "branding", "accessibility", "indesign",
        "user journeys", "visual design"},
       {}, 60'000, {"Product Designer", "UX Designer", "Visual Designer"}, 0.7},
      {"Logistics", "Transport", {"Warehouse", "Fleet", "Supply Chain"},
       {"inventory management", "forklift", "sap", "supply chain", "route planning", "procurement", "excel",
        "warehouse management", "lean", "shipping", "customs", "scheduling", "demand planning", "wms",
        "fleet management", "incoterms", "freight forwarding", "last mile delivery", "erp", "six sigma",
        "vendor management", "hazmat handling"},
       {"forklift license", "apics cscp", "hazmat certification"}, 42'000,
       {"Logistics Coordinator", "Warehouse Lead", "Supply Chain Analyst"}, 0.3},
      {"Marketing", "Commerce", {"Performance", "Content", "Brand"},
       {"seo", "sem", "google ads", "content writing", "social media", "analytics", "email marketing", "hubspot",
        "copywriting", "branding", "market research", "a/b testing", "google analytics", "marketing automation",
        "crm", "meta ads", "product marketing", "campaign management", "influencer marketing", "video editing",
        "wordpress", "conversion optimization", "public relations"},
       {"google ads certification", "hubspot inbound certification"}, 55'000,
       {"Marketing Manager", "Growth Marketer", "Content Strategist"}, 0.75},
      {"Teaching", "Education", {"Primary", "Secondary", "Adult Education"},
       {"lesson planning", "classroom management", "curriculum design", "assessment", "mathematics", "english",
        "special education", "e-learning", "mentoring", "public speaking", "physics", "chemistry", "biology",
        "history", "languages", "differentiated instruction", "moodle", "parent communication",
        "early childhood education", "stem education", "exam preparation"},
       {"teaching license", "tefl"}, 45'000, {"Teacher", "Lecturer", "Tutor"}, 0.95},
      {"Customer Support", "Commerce", {"Helpdesk", "Technical Support", "Call Center"},
       {"zendesk", "customer service", "communication", "troubleshooting", "crm", "ticketing", "english", "german",
        "french", "empathy", "itil", "spanish", "freshdesk", "live chat", "sla management", "knowledge base",
        "phone support", "salesforce service cloud", "escalation handling", "jira service management",
        "complaint handling"},
       {"itil foundation"}, 36'000, {"Support Agent", "Customer Success Specialist", "Helpdesk Technician"}, 0.35},
      {"Construction", "Construction", {"Civil", "Electrical", "Project Management"},
       {"autocad", "project management", "site supervision", "electrical installation", "blueprint reading",
        "safety compliance", "estimating", "revit", "surveying", "concrete", "scheduling", "bim",
        "structural engineering", "hvac", "plumbing", "carpentry", "welding", "quantity surveying", "primavera p6",
        "building codes", "cost control", "procurement"},
       {"osha 30", "pmp", "cscs card"}, 54'000, {"Site Engineer", "Electrician", "Construction Manager"}, 0.4},
  };
}

}  // namespace

const std::vector<job_family>& job_families() {
  static const std::vector<job_family> families = [] {
    auto all = technology_families();
    for (auto& f : other_families())
      all.push_back(std::move(f));
    return all;
  }();
  return families;
}

const std::vector<std::string_view>& shared_skills() {
  static const std::vector<std::string_view> all{"english", "communication",   "teamwork", "excel", "git",
                                                 "agile",   "problem solving", "scrum",    "jira",  "leadership",
                                                 "time management", "project management"};
  return all;
}

const std::vector<skill_spelling>& skill_spellings() {
  // The spec's default synonyms, then capitals and stray blanks as people type them.
  static const std::vector<skill_spelling> all{
      {"javascript", "JS"},        {"typescript", "ts"},         {"kubernetes", "K8s"},     {"postgresql", "Postgres"},
      {"go", "golang"},            {"machine learning", "ML"},   {"python", "Python"},      {"sql", "SQL"},
      {"aws", "AWS"},              {"react", "React"},           {"excel", "Excel"},        {"excel", " Excel "},
      {"data modeling", "Data Modeling"}, {"patient care", "Patient  Care"}, {"crm", "CRM"}, {"figma", "Figma"},
  };
  return all;
}

}  // namespace jobmesh::match::detail
